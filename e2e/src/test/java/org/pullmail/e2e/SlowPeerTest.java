package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.testing.PeerDomains;

import tools.jackson.databind.JsonNode;

/**
 * A peer domain that trickles its answers, one byte a second, holds up only its own mail
 * (PROTOCOL.md 8.2): every exchange has a deadline for the whole exchange, and at most a few exchanges
 * with one domain run at once, so mail between two healthy domains goes past it.
 */
class SlowPeerTest {

    static TwoDomains domains;
    static Api alice;
    static Api dave;
    static PeerDomains.Peer delta;

    @BeforeAll
    static void start() throws Exception {
        domains = TwoDomains.get();
        alice = Api.login(domains.alpha, "alice@alpha.test", TwoDomains.PASSWORD);
        dave = Api.login(domains.beta, "dave@beta.test", TwoDomains.PASSWORD);
        delta = domains.peers.peer("delta.test");
    }

    @Test
    void aTricklingPeerHoldsUpNoDeliveryBetweenHealthyDomains() throws Exception {
        assertThat(dave.put("/api/v1/inbox/contacts/news@delta.test").status()).isEqualTo(204);
        assertThat(dave.put("/api/v1/inbox/contacts/alice@alpha.test").status()).isEqualTo(204);
        delta.trickled.clear();
        delta.trickle(Duration.ofSeconds(1));
        try {
            // alpha.test's notifier: twenty notifications to delta.test, each receipt a byte a second
            List<String> toDelta = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                toDelta.add(PullDeliveryTest.send(alice, "slow" + i + "@delta.test",
                        PullDeliveryTest.unique("To a slow peer"), "x"));
            }
            // beta.test's fetch jobs: twelve messages from delta.test, each served a byte a second
            List<String> fromDelta = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                fromDelta.add(notifyFromDelta());
            }
            await("delta.test is being notified and fetched from").atMost(Duration.ofSeconds(10))
                    .until(() -> received(toDelta) > 0 && fetched(fromDelta) > 0);

            // ten deliveries between the healthy domains, while every trickle runs
            Instant sent = Instant.now();
            List<String> subjects = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String subject = PullDeliveryTest.unique("Past the slow peer " + i);
                subjects.add(subject);
                PullDeliveryTest.send(alice, "dave@beta.test", subject, "hello " + i);
            }
            await("ten deliveries stored while delta.test trickles").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> stored(subjects) == 10);
            assertThat(Duration.between(sent, Instant.now())).isLessThan(Duration.ofSeconds(10));

            // the deadline ends a trickled exchange, and the next attempt follows
            await("a trickled notification is cut off and sent again").atMost(Duration.ofSeconds(40))
                    .until(() -> toDelta.stream().anyMatch(id -> notificationsOf(id) >= 2));
            await("a trickled fetch is cut off and tried again").atMost(Duration.ofSeconds(40))
                    .until(() -> fromDelta.stream().anyMatch(id -> fetchesOf(id) >= 2));
            // delta.test held at most half of the workers (its share, and what it may borrow while the other
            // half stays free): until the first trickled exchanges were cut off (15 s), no more than 16 of the
            // notifier's 32 senders and 8 of the inbox's 16 fetch workers had begun; the rest of its mail waited
            assertThat(begunWithinTheFirstDeadline("notification")).isBetween(1L, 16L);
            assertThat(begunWithinTheFirstDeadline("fetch")).isBetween(1L, 8L);
        } finally {
            delta.trickle(null);
            dave.delete("/api/v1/inbox/contacts/news@delta.test");
            dave.delete("/api/v1/inbox/contacts/alice@alpha.test");
        }
    }

    /** A message of delta.test to dave, which beta.test fetches at once (news@delta.test is a contact). */
    static String notifyFromDelta() throws Exception {
        String id = "slow-" + UUID.randomUUID();
        byte[] message = ("Subject: From a slow peer\r\n\r\n" + "x".repeat(300) + "\r\n").getBytes(StandardCharsets.UTF_8);
        delta.fetchAnswers.put(id, new PeerDomains.Answer(200, Pmp.MEDIA_TYPE_MESSAGE,
                new String(message, StandardCharsets.UTF_8), Map.of()));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Notification n = new Notification(id, "news@delta.test",
                List.of(new Notification.Recipient("dave@beta.test", token())), "From a slow peer", message.length,
                ContentDigest.sha256(message), delta.base() + Pmp.FETCH_PATH + "/" + id, now, now.plus(Duration.ofDays(1)));
        // straight to the inbox, signed for beta.test's public notify_url: this test is about what comes after
        Api.Response accepted = Api.send(delta.signed("POST", URI.create(domains.beta.url() + Pmp.NOTIFY_PATH),
                URI.create(domains.beta.serviceUrl("inbox-service") + Pmp.NOTIFY_PATH), PmpJson.write(n),
                SignatureProfile.NOTIFICATION, Map.of("Content-Type", "application/json"), delta.signer()));
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
        return id;
    }

    /** Distinct notifications or fetches delta.test began to trickle within 12 s of the first. */
    static long begunWithinTheFirstDeadline(String kind) {
        List<PeerDomains.Trickled> answers = delta.trickled.stream().filter(t -> t.kind().equals(kind)).toList();
        Instant first = answers.stream().map(PeerDomains.Trickled::started).min(Instant::compareTo).orElseThrow();
        return answers.stream().filter(t -> t.started().isBefore(first.plusSeconds(12)))
                .map(PeerDomains.Trickled::id).distinct().count();
    }

    static String token() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /** How many of these messages delta.test has been notified of (each counted once). */
    static long received(List<String> messageIds) {
        return messageIds.stream().filter(id -> notificationsOf(id) > 0).count();
    }

    static long notificationsOf(String messageId) {
        return delta.received.stream().filter(n -> n.id().equals(messageId)).count();
    }

    /** How many of these messages beta.test has begun to fetch from delta.test. */
    static long fetched(List<String> messageIds) {
        return messageIds.stream().filter(id -> fetchesOf(id) > 0).count();
    }

    static int fetchesOf(String messageId) {
        var fetches = delta.fetches.get(messageId);
        return fetches == null ? 0 : fetches.get();
    }

    static long stored(List<String> subjects) throws Exception {
        JsonNode messages = dave.get("/api/v1/inbox/messages").json();
        return subjects.stream().filter(s -> PullDeliveryTest.hasSubject(messages, "messages", s)).count();
    }
}
