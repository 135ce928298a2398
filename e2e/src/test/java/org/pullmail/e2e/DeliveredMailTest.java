package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

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
 * Messages to many recipients (several notifications per domain, each with its own id), the status
 * rules after a fetch (PROTOCOL.md 5), the token after {@code stored}, and what a user does with
 * delivered mail: delete it, or report it as spam.
 */
class DeliveredMailTest {

    static TwoDomains domains;
    static Api alice;
    static Api alfred;
    static Api bob;
    static Api erin;
    static PeerDomains.Peer gamma;
    static PeerDomains.Peer delta;

    @BeforeAll
    static void start() throws Exception {
        domains = TwoDomains.get();
        alice = Api.login(domains.alpha, "alice@alpha.test", TwoDomains.PASSWORD);
        alfred = Api.login(domains.alpha, "alfred@alpha.test", TwoDomains.PASSWORD);
        bob = Api.login(domains.beta, "bob@beta.test", TwoDomains.PASSWORD);
        erin = Api.login(domains.beta, "erin@beta.test", TwoDomains.PASSWORD);
        gamma = domains.peers.peer("gamma.test");
        delta = domains.peers.peer("delta.test");
    }

    static String unique(String subject) {
        return subject + " " + UUID.randomUUID().toString().substring(0, 8);
    }

    static String send(Api from, List<String> to, String subject) throws Exception {
        Api.Response r = from.post("/api/v1/outbox/messages", Map.of("to", to, "subject", subject, "text", "hello"));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        assertThat(r.json().get("recipients").size()).isEqualTo(to.size());
        return r.json().get("id").asString();
    }

    /** Each recipient's state as the sender sees it. */
    static Map<String, JsonNode> deliveries(Api sender, String id) throws Exception {
        Map<String, JsonNode> byAddress = new LinkedHashMap<>();
        for (JsonNode r : sender.get("/api/v1/outbox/messages/" + id).json().get("recipients")) {
            byAddress.put(r.get("address").asString(), r);
        }
        return byAddress;
    }

    static String state(Api sender, String id, String recipient) throws Exception {
        return deliveries(sender, id).get(recipient).get("status").asString();
    }

    static void awaitState(Api sender, String id, String recipient, String state) {
        await(recipient + " " + state).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(150))
                .until(() -> state(sender, id, recipient), state::equals);
    }

    /** Every notification a peer received for a message: the first has the message's id, the others id.n. */
    static List<Notification> notificationsOf(PeerDomains.Peer peer, String messageId) {
        return peer.received.stream().filter(n -> n.id().equals(messageId) || n.id().startsWith(messageId + "."))
                .toList();
    }

    static List<Notification> awaitRecipients(PeerDomains.Peer peer, String messageId, int recipients) {
        return await(peer.domain + " notified of " + recipients).atMost(Duration.ofSeconds(30))
                .until(() -> notificationsOf(peer, messageId),
                        list -> list.stream().mapToInt(n -> n.recipients().size()).sum() >= recipients);
    }

    static List<String> addresses(String local, String domain, int n) {
        List<String> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(local + "-" + i + "@" + domain);
        }
        return list;
    }

    static Api.Response fetch(PeerDomains.Peer peer, Notification n, String token) throws Exception {
        return Api.send(peer.signed("GET", URI.create(n.fetchUrl()), null, SignatureProfile.FETCH,
                Map.of("Authorization", Pmp.CAPABILITY_SCHEME + " " + token), peer.signer()));
    }

    static Api.Response report(PeerDomains.Peer peer, Notification n, String token, String address, String status)
            throws Exception {
        byte[] body = ("{\"recipients\":[{\"address\":\"" + address + "\",\"status\":\"" + status + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        return Api.send(peer.signed("POST", URI.create(Pmp.statusUrl(n.fetchUrl())), body, SignatureProfile.STATUS,
                Map.of("Authorization", Pmp.CAPABILITY_SCHEME + " " + token, "Content-Type", "application/json"),
                peer.signer()));
    }

    static void assertProblem(Api.Response r, int status, String type) {
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        assertThat(r.contentType()).startsWith(Pmp.MEDIA_TYPE_PROBLEM);
        assertThat(r.json().get("type").asString()).isEqualTo("https://pullmail.org/problems/" + type);
    }

    static long spamReports(Api admin, String domain) throws Exception {
        for (JsonNode s : admin.get("/api/v1/admin/inbound/senders").json().get("senders")) {
            if (s.get("sender").asString().equals(domain)) {
                return s.get("spam").asLong();
            }
        }
        return 0;
    }

    @Test
    void aHundredRecipientsInOneDomainEachEndInTheirOwnState() throws Exception {
        // beta.test is a real Pullmail inbox: three real mailboxes and 97 that do not exist
        List<String> known = List.of("bob@beta.test", "dave@beta.test", "erin@beta.test");
        List<String> unknown = addresses("nobody", "beta.test", 97);
        List<String> to = new ArrayList<>(known);
        to.addAll(unknown);
        String subject = unique("To a hundred");
        String id = send(alfred, to, subject);

        await("every recipient's outcome").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200))
                .until(() -> deliveries(alfred, id).values().stream()
                        .noneMatch(d -> d.get("status").asString().equals("queued")));
        Map<String, JsonNode> deliveries = deliveries(alfred, id);
        assertThat(deliveries).hasSize(100);
        for (String address : unknown) {
            assertThat(deliveries.get(address).get("status").asString()).as(address).isEqualTo("failed");
            assertThat(deliveries.get(address).get("detail").asString()).as(address).isEqualTo("no such mailbox");
        }
        for (String address : known) {
            // accepted by the real inbox (held, fetched or, where an earlier test blocked alpha.test, refused)
            assertThat(deliveries.get(address).get("status").asString()).as(address)
                    .isIn("notified", "fetched", "stored", "declined");
        }
        // and bob got it once, not once per notification
        JsonNode requests = bob.get("/api/v1/inbox/requests").json().get("requests");
        JsonNode messages = bob.get("/api/v1/inbox/messages").json().get("messages");
        long copies = 0;
        for (JsonNode r : requests) {
            copies += subject.equals(r.path("subject").asString("")) ? 1 : 0;
        }
        for (JsonNode m : messages) {
            copies += subject.equals(m.path("subject").asString("")) ? 1 : 0;
        }
        // bob holds alfred's mail as a request (or has it, or refused it where a test made him block alpha.test)
        String bobs = deliveries.get("bob@beta.test").get("status").asString();
        assertThat(copies).as("bob's copies (his delivery is " + bobs + ")").isEqualTo(bobs.equals("declined") ? 0 : 1);
    }

    @Test
    void oneMessageOverThreeDomainsIsAnnouncedInNotificationsOfAtMost4KiBAndEachRecipientKeepsItsState()
            throws Exception {
        List<String> toGamma = addresses("member-of-a-long-mailing-list", "gamma.test", 45);
        List<String> toDelta = addresses("recipient", "delta.test", 45);
        List<String> toBeta = new ArrayList<>(List.of("dave@beta.test", "erin@beta.test"));
        toBeta.addAll(addresses("nobody", "beta.test", 8));
        List<String> to = new ArrayList<>(toGamma);
        to.addAll(toDelta);
        to.addAll(toBeta);
        String id = send(alice, to, unique("Three domains"));

        Map<String, String> tokens = new LinkedHashMap<>();
        Map<String, Notification> carriedBy = new LinkedHashMap<>();
        for (PeerDomains.Peer peer : List.of(gamma, delta)) {
            List<String> expected = peer == gamma ? toGamma : toDelta;
            List<Notification> received = awaitRecipients(peer, id, expected.size());
            assertThat(received.size()).as("notifications to " + peer.domain).isGreaterThan(1);
            Set<String> ids = new HashSet<>();
            List<String> announced = new ArrayList<>();
            for (Notification n : received) {
                assertThat(ids.add(n.id())).as("each notification has its own id").isTrue();
                assertThat(PmpJson.write(n).length).isLessThanOrEqualTo(Pmp.MAX_NOTIFICATION_BYTES);
                for (Notification.Recipient r : n.recipients()) {
                    announced.add(r.address());
                    tokens.put(r.address(), r.token());
                    carriedBy.put(r.address(), n);
                }
            }
            assertThat(announced).containsExactlyInAnyOrderElementsOf(expected);
        }

        // gamma's users do different things with it; everyone else is left alone
        String stored = toGamma.get(0);
        String declined = toGamma.get(44);
        String spam = toGamma.get(20);
        Notification first = carriedBy.get(stored);
        assertThat(fetch(gamma, first, tokens.get(stored)).status()).isEqualTo(200);
        assertThat(report(gamma, first, tokens.get(stored), stored, "stored").status()).isEqualTo(204);
        assertThat(report(gamma, carriedBy.get(declined), tokens.get(declined), declined, "declined").status())
                .isEqualTo(204);
        assertThat(report(gamma, carriedBy.get(spam), tokens.get(spam), spam, "spam").status()).isEqualTo(204);
        // a domain that fetched once for several recipients reports the others with any of their tokens
        // (PROTOCOL.md 4.1): the one named is then stored, and counts as fetched
        String storedWithoutItsOwnFetch = toGamma.get(1);
        assertThat(report(gamma, first, tokens.get(stored), storedWithoutItsOwnFetch, "stored").status()).isEqualTo(204);

        awaitState(alice, id, toDelta.get(44), "notified");
        Map<String, JsonNode> deliveries = deliveries(alice, id);
        assertThat(deliveries.get(stored).get("status").asString()).isEqualTo("stored");
        assertThat(deliveries.get(declined).get("status").asString()).isEqualTo("declined");
        assertThat(deliveries.get(spam).get("status").asString()).isEqualTo("spam");
        assertThat(deliveries.get(storedWithoutItsOwnFetch).get("status").asString()).isEqualTo("stored");
        assertThat(deliveries.get(storedWithoutItsOwnFetch).get("fetched_at").isNull()).isFalse();
        for (String address : toGamma) {
            if (!Set.of(stored, declined, spam, storedWithoutItsOwnFetch).contains(address)) {
                assertThat(deliveries.get(address).get("status").asString()).as(address).isEqualTo("notified");
            }
        }
        for (String address : toDelta) {
            assertThat(deliveries.get(address).get("status").asString()).as(address).isEqualTo("notified");
        }
        await("beta.test's outcomes").atMost(Duration.ofSeconds(30)).until(() -> deliveries(alice, id).get("nobody-7@beta.test")
                .get("status").asString().equals("failed"));
        for (String address : toBeta) {
            String status = deliveries(alice, id).get(address).get("status").asString();
            if (address.startsWith("nobody")) {
                assertThat(status).as(address).isEqualTo("failed");
            } else {
                assertThat(status).as(address).isIn("notified", "fetched", "stored", "declined");
            }
        }
    }

    @Test
    void aReceiptChangesOnlyTheDeliveriesItsNotificationCarried() throws Exception {
        String subject = unique("Receipts");
        // delta's answer: one unknown, one omitted, one with an outcome of a later revision, and an entry for
        // an address of another domain, which it was never notified of
        delta.receipts.put(subject, n -> "{\"id\":\"" + n.id() + "\",\"recipients\":["
                + "{\"address\":\"gone@delta.test\",\"outcome\":\"unknown\"},"
                + "{\"address\":\"later@delta.test\",\"outcome\":\"forwarded\"},"
                + "{\"address\":\"dave@beta.test\",\"outcome\":\"unknown\"},"
                + "{\"address\":\"xavier@gamma.test\",\"outcome\":\"blocked\"}]}");
        // gamma answers late, so delta's receipt comes while xavier's delivery is still queued
        gamma.receipts.put(subject, n -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        List<String> to = List.of("gone@delta.test", "omitted@delta.test", "later@delta.test", "dave@beta.test",
                "xavier@gamma.test");
        String id = send(alice, to, subject);
        awaitState(alice, id, "gone@delta.test", "failed");
        awaitState(alice, id, "xavier@gamma.test", "notified");
        Map<String, JsonNode> deliveries = deliveries(alice, id);
        assertThat(deliveries.get("gone@delta.test").get("detail").asString()).isEqualTo("no such mailbox");
        // not listed, or an outcome this version does not know: accepted (PROTOCOL.md 3.4)
        assertThat(deliveries.get("omitted@delta.test").get("status").asString()).isEqualTo("notified");
        assertThat(deliveries.get("later@delta.test").get("status").asString()).isEqualTo("notified");
        // delta.test cannot speak for beta.test's or gamma.test's recipients
        await("beta.test's own outcome").atMost(Duration.ofSeconds(30))
                .until(() -> !state(alice, id, "dave@beta.test").equals("queued"));
        assertThat(state(alice, id, "dave@beta.test")).isNotEqualTo("failed");
        assertThat(state(alice, id, "xavier@gamma.test")).isEqualTo("notified");
        delta.receipts.remove(subject);
        gamma.receipts.remove(subject);
    }

    @Test
    void afterAFetchDeclinedAndSpamCountAndStoredMailCanStillBeReportedAsSpam() throws Exception {
        // declined after a fetch: the delivery is declined and the token dead
        String declinedId = send(alice, List.of("xavier@gamma.test"), unique("Fetched then declined"));
        Notification d = awaitRecipients(gamma, declinedId, 1).get(0);
        String dToken = d.recipients().get(0).token();
        assertThat(fetch(gamma, d, dToken).status()).isEqualTo(200);
        awaitState(alice, declinedId, "xavier@gamma.test", "fetched");
        assertThat(report(gamma, d, dToken, "xavier@gamma.test", "declined").status()).isEqualTo(204);
        assertThat(state(alice, declinedId, "xavier@gamma.test")).isEqualTo("declined");
        assertProblem(fetch(gamma, d, dToken), 404, "not-found");
        assertProblem(report(gamma, d, dToken, "xavier@gamma.test", "stored"), 409, "status-conflict");
        assertThat(state(alice, declinedId, "xavier@gamma.test")).isEqualTo("declined");

        // stored, then reported as spam after reading: a complaint the sender records
        String id = send(alice, List.of("yvonne@gamma.test"), unique("Read then reported"));
        Notification n = awaitRecipients(gamma, id, 1).get(0);
        String token = n.recipients().get(0).token();
        assertThat(fetch(gamma, n, token).status()).isEqualTo(200);
        // a receiver that crashed between fetch and store fetches again
        assertThat(fetch(gamma, n, token).status()).isEqualTo(200);
        assertThat(report(gamma, n, token, "yvonne@gamma.test", "stored").status()).isEqualTo(204);
        assertThat(report(gamma, n, token, "yvonne@gamma.test", "stored").status()).as("a repeat").isEqualTo(204);
        assertProblem(report(gamma, n, token, "yvonne@gamma.test", "declined"), 409, "status-conflict");
        assertThat(state(alice, id, "yvonne@gamma.test")).isEqualTo("stored");
        assertThat(report(gamma, n, token, "yvonne@gamma.test", "spam").status()).isEqualTo(204);
        JsonNode complaint = deliveries(alice, id).get("yvonne@gamma.test");
        assertThat(complaint.get("status").asString()).isEqualTo("spam");
        assertThat(complaint.get("stored_at").isNull()).as("when it was stored is kept").isFalse();
        assertThat(complaint.get("detail").asString()).isEqualTo("reported as spam after delivery");
        assertProblem(report(gamma, n, token, "yvonne@gamma.test", "stored"), 409, "status-conflict");
        assertProblem(fetch(gamma, n, token), 404, "not-found");
        assertThat(alice.get("/api/v1/outbox/messages?state=spam").text()).contains(id);
    }

    @Test
    void aStoredDeliverysTokenFetchesForItsGracePeriodThenAnswers410() throws Exception {
        String id = send(alice, List.of("zoe@gamma.test"), unique("Stored"));
        Notification n = awaitRecipients(gamma, id, 1).get(0);
        String token = n.recipients().get(0).token();
        assertThat(fetch(gamma, n, token).status()).isEqualTo(200);
        assertThat(report(gamma, n, token, "zoe@gamma.test", "stored").status()).isEqualTo(204);
        assertThat(fetch(gamma, n, token).status()).as("within the grace period").isEqualTo(200);
        // the test domains' grace period is 3 s (an hour by default)
        await("the grace period ends").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500))
                .until(() -> fetch(gamma, n, token).status() == 410);
        assertProblem(fetch(gamma, n, token), 410, "already-stored");
        assertThat(state(alice, id, "zoe@gamma.test")).isEqualTo("stored");
    }

    @Test
    void badStatusReportsAreRefusedAndChangeNothing() throws Exception {
        String id = send(alice, List.of("walter@gamma.test", "wanda@gamma.test"), unique("Bad reports"));
        Notification n = awaitRecipients(gamma, id, 2).get(0);
        String token = n.recipients().get(0).token();
        String address = n.recipients().get(0).address();
        byte[] body = ("{\"recipients\":[{\"address\":\"" + address + "\",\"status\":\"stored\"}]}")
                .getBytes(StandardCharsets.UTF_8);

        Api.Response notJson = Api.send(gamma.signed("POST", URI.create(Pmp.statusUrl(n.fetchUrl())), body,
                SignatureProfile.STATUS, Map.of("Authorization", Pmp.CAPABILITY_SCHEME + " " + token,
                        "Content-Type", "text/plain"), gamma.signer()));
        assertProblem(notJson, 415, "unsupported-media-type");
        assertProblem(report(gamma, n, token, address, "read"), 400, "malformed-request");
        assertProblem(report(gamma, n, token, "someone@gamma.test", "stored"), 403, "wrong-domain");
        assertProblem(report(gamma, n, "B".repeat(43), address, "stored"), 404, "not-found");
        Api.Response unsigned = Api.send(HttpRequest.newBuilder(URI.create(Pmp.statusUrl(n.fetchUrl())))
                .header("Authorization", Pmp.CAPABILITY_SCHEME + " " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        assertProblem(unsigned, 401, "signature-missing");

        // all or nothing: one allowed entry and one refused change neither
        String other = n.recipients().get(1).address();
        assertThat(report(gamma, n, token, other, "declined").status()).isEqualTo(204);
        byte[] mixed = ("{\"recipients\":[{\"address\":\"" + address + "\",\"status\":\"stored\"},"
                + "{\"address\":\"" + other + "\",\"status\":\"stored\"}]}").getBytes(StandardCharsets.UTF_8);
        Api.Response refused = Api.send(gamma.signed("POST", URI.create(Pmp.statusUrl(n.fetchUrl())), mixed,
                SignatureProfile.STATUS, Map.of("Authorization", Pmp.CAPABILITY_SCHEME + " " + token,
                        "Content-Type", "application/json"), gamma.signer()));
        assertProblem(refused, 409, "status-conflict");
        assertThat(state(alice, id, address)).isEqualTo("notified");
        assertThat(state(alice, id, other)).isEqualTo("declined");
    }

    @Test
    void fetchJobsEndOn404AndOtherRefusalsHonourRetryAfterAndRetryAnUnknownKey() throws Exception {
        Api dave = Api.login(domains.beta, "dave@beta.test", TwoDomains.PASSWORD);
        assertThat(dave.put("/api/v1/inbox/contacts/news@gamma.test").status()).isEqualTo(204);
        String forgotten = "forgotten-" + UUID.randomUUID();
        String busy = "busy-" + UUID.randomUUID();
        String staleKeys = "stale-keys-" + UUID.randomUUID();
        gamma.fetchAnswers.put(busy, PeerDomains.Answer.problem(429, "rate-limited", Map.of("Retry-After", "60")));
        gamma.fetchAnswers.put(staleKeys, PeerDomains.Answer.problem(401, "unknown-key", Map.of()));
        URI notify = URI.create(domains.beta.url() + Pmp.NOTIFY_PATH);
        for (String id : List.of(forgotten, busy, staleKeys)) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            Notification n = new Notification(id, "news@gamma.test",
                    List.of(new Notification.Recipient("dave@beta.test", "C".repeat(43))), "Fetch me", 5,
                    ContentDigest.sha256("hello".getBytes(StandardCharsets.UTF_8)),
                    gamma.base() + Pmp.FETCH_PATH + "/" + id, now, now.plus(Duration.ofDays(1)));
            Api.Response accepted = Api.send(gamma.signed("POST", notify, PmpJson.write(n), SignatureProfile.NOTIFICATION,
                    Map.of("Content-Type", "application/json"), gamma.signer()));
            assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
        }
        // the test domains retry after 0.2 s to 1 s: a job that retried would fetch several times in 4 s
        await("the unknown key is retried").atMost(Duration.ofSeconds(10))
                .until(() -> count(gamma, staleKeys) >= 3);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> count(gamma, forgotten) == 1 && count(gamma, busy) == 1);
        gamma.fetchAnswers.remove(staleKeys); // now 404: that job ends too
        // ended: no more fetches over a few of the retry intervals (0.2 s to 1 s here)
        AtomicInteger seen = new AtomicInteger(-1);
        await("the job ends on 404").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(2500))
                .until(() -> seen.getAndSet(count(gamma, staleKeys)) == count(gamma, staleKeys));
        assertThat(dave.delete("/api/v1/inbox/contacts/news@gamma.test").status()).isEqualTo(204);
    }

    static int count(PeerDomains.Peer peer, String message) {
        var fetches = peer.fetches.get(message);
        return fetches == null ? 0 : fetches.get();
    }

    @Test
    void failedFetchesAreRateLimitedPerClientAndPerTokenPrefix() throws Exception {
        String id = send(alice, List.of("quinn@gamma.test"), unique("Guess"));
        Notification n = awaitRecipients(gamma, id, 1).get(0);
        String token = n.recipients().get(0).token();
        URI published = URI.create(n.fetchUrl());
        // straight to the outbox, which trusts its own network for the client's address (the gateway sets it)
        URI direct = URI.create(domains.alpha.serviceUrl("outbox-service") + published.getRawPath());
        SecureRandom random = new SecureRandom();
        Supplier<String> guess = () -> {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        };
        startEarlyInAWindow();
        for (int i = 0; i < 120; i++) {
            assertThat(fetchAs(direct, published, guess.get(), "203.0.113.50").status()).isEqualTo(404);
        }
        Api.Response limited = fetchAs(direct, published, token, "203.0.113.50");
        assertProblem(limited, 429, "rate-limited");
        assertThat(fetchAs(direct, published, token, "203.0.113.51").status()).as("another client").isEqualTo(200);

        // guesses of one token prefix, spread over many clients
        startEarlyInAWindow();
        for (int i = 0; i < 60; i++) {
            String sameStart = "Zz9Zz9Zz" + guess.get().substring(8);
            assertThat(fetchAs(direct, published, sameStart, "198.51.100." + i).status()).isEqualTo(404);
        }
        assertProblem(fetchAs(direct, published, "Zz9Zz9Zz" + guess.get().substring(8), "198.51.100.200"), 429,
                "rate-limited");
        assertThat(fetchAs(direct, published, guess.get(), "198.51.100.200").status()).isEqualTo(404);
    }

    /**
     * The outbox counts failed fetches in one-minute windows (the default): guesses that straddled the
     * start of a window would be counted in two, and none would be refused. Waits, when the current
     * window has less than 20 s left, for the next.
     */
    static void startEarlyInAWindow() {
        await("early in a one-minute window").atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(200))
                .until(() -> System.currentTimeMillis() % 60_000 < 40_000);
    }

    static Api.Response fetchAs(URI sendTo, URI published, String token, String client) throws Exception {
        return Api.send(gamma.signed("GET", published, sendTo, null, SignatureProfile.FETCH,
                Map.of("Authorization", Pmp.CAPABILITY_SCHEME + " " + token, "X-Pullmail-Client", client),
                gamma.signer()));
    }

    @Test
    void theInboxOpenApiDocumentsDeletingAndReportingSpam() throws Exception {
        JsonNode paths = Api.send(HttpRequest.newBuilder(
                URI.create(domains.beta.serviceUrl("inbox-service") + "/v3/api-docs")).GET()).json().get("paths");
        assertThat(paths.path("/api/v1/inbox/messages/{id}").has("delete")).isTrue();
        assertThat(paths.path("/api/v1/inbox/messages/{id}/spam").has("post")).isTrue();
    }

    @Test
    void aUserDeletesDeliveredMailOrReportsItAsSpamAndBlocksTheSender() throws Exception {
        // alfred is erin's contact: his mail is fetched at once
        assertThat(erin.put("/api/v1/inbox/contacts/alfred@alpha.test").status()).isEqualTo(204);
        String keptSubject = unique("Minutes");
        String spamSubject = unique("Buy now");
        String kept = send(alfred, List.of("erin@beta.test"), keptSubject);
        String spam = send(alfred, List.of("erin@beta.test"), spamSubject);
        JsonNode inbox = erin.await("/api/v1/inbox/messages", l -> PullDeliveryTest.hasSubject(l, "messages", keptSubject)
                && PullDeliveryTest.hasSubject(l, "messages", spamSubject));
        String keptMessage = PullDeliveryTest.withSubject(inbox, "messages", keptSubject).get("id").asString();
        String spamMessage = PullDeliveryTest.withSubject(inbox, "messages", spamSubject).get("id").asString();
        awaitState(alfred, kept, "erin@beta.test", "stored");
        awaitState(alfred, spam, "erin@beta.test", "stored");

        // nobody reaches what is not theirs, and bad input changes nothing
        assertThat(bob.delete("/api/v1/inbox/messages/" + keptMessage).status()).isEqualTo(404);
        assertThat(bob.post("/api/v1/inbox/messages/" + spamMessage + "/spam", null).status()).isEqualTo(404);
        Api.Response badBlock = erin.post("/api/v1/inbox/messages/" + spamMessage + "/spam", Map.of("block", "everyone"));
        assertThat(badBlock.status()).isEqualTo(400);
        assertThat(badBlock.contentType()).startsWith(Pmp.MEDIA_TYPE_PROBLEM);
        assertThat(erin.get("/api/v1/inbox/messages/" + spamMessage).status()).isEqualTo(200);
        assertThat(erin.delete("/api/v1/inbox/messages/" + UUID.randomUUID()).status()).isEqualTo(404);

        // deleting removes it from the mailbox; the sender is not told
        assertThat(erin.delete("/api/v1/inbox/messages/" + keptMessage).status()).isEqualTo(204);
        assertThat(erin.get("/api/v1/inbox/messages/" + keptMessage).status()).isEqualTo(404);
        assertThat(erin.get("/api/v1/inbox/messages/" + keptMessage + "/raw").status()).isEqualTo(404);
        assertThat(PullDeliveryTest.hasSubject(erin.get("/api/v1/inbox/messages").json(), "messages", keptSubject))
                .isFalse();

        // spam: gone from the mailbox, the sender's domain told, the sender blocked in the same step
        Api admin = Api.login(domains.beta, "admin@beta.test", TwoDomains.PASSWORD);
        long spamBefore = spamReports(admin, "alpha.test");
        Api.Response reported = erin.post("/api/v1/inbox/messages/" + spamMessage + "/spam", Map.of("block", "address"));
        assertThat(reported.status()).as(reported.text()).isEqualTo(200);
        assertThat(reported.json().get("blocked").asString()).isEqualTo("alfred@alpha.test");
        assertThat(erin.get("/api/v1/inbox/messages/" + spamMessage).status()).isEqualTo(404);
        assertThat(erin.get("/api/v1/inbox/blocklist").json().toString()).contains("alfred@alpha.test");
        awaitState(alfred, spam, "erin@beta.test", "spam");
        assertThat(deliveries(alfred, spam).get("erin@beta.test").get("stored_at").isNull()).isFalse();
        assertThat(state(alfred, kept, "erin@beta.test")).isEqualTo("stored");

        // it counts against the sender's domain here, and the next message is refused
        assertThat(spamReports(admin, "alpha.test")).isEqualTo(spamBefore + 1);
        String next = send(alfred, List.of("erin@beta.test"), unique("Again"));
        awaitState(alfred, next, "erin@beta.test", "declined");
        // blocking replaced the contact entry; lifting the block leaves alfred a stranger to erin
        assertThat(erin.delete("/api/v1/inbox/blocklist/alfred@alpha.test").status()).isEqualTo(204);
        assertThat(erin.get("/api/v1/inbox/contacts").json().toString()).doesNotContain("alfred@alpha.test");
    }
}
