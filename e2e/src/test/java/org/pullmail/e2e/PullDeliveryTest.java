package org.pullmail.e2e;

import org.pullmail.testing.PeerDomains;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;

import tools.jackson.databind.JsonNode;

/** Two domains exchange mail over PMP/1: eight service processes, real HTTP, real PostgreSQL. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PullDeliveryTest {

    static TwoDomains domains;
    static Api alice;
    static Api bob;
    static Api carol;
    static Api dave;
    static Api erin;

    @BeforeAll
    static void start() throws Exception {
        domains = TwoDomains.get();
        alice = Api.login(domains.alpha, "alice@alpha.test", TwoDomains.PASSWORD);
        bob = Api.login(domains.beta, "bob@beta.test", TwoDomains.PASSWORD);
        carol = Api.login(domains.beta, "carol@beta.test", TwoDomains.PASSWORD);
        dave = Api.login(domains.beta, "dave@beta.test", TwoDomains.PASSWORD);
        erin = Api.login(domains.beta, "erin@beta.test", TwoDomains.PASSWORD);
    }

    static String unique(String subject) {
        return subject + " " + UUID.randomUUID().toString().substring(0, 8);
    }

    static String send(Api from, String to, String subject, String text) throws Exception {
        Api.Response r = from.post("/api/v1/outbox/messages", Map.of("to", List.of(to), "subject", subject, "text", text));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        assertThat(r.json().get("recipients").get(0).get("status").asString()).isEqualTo("queued");
        return r.json().get("id").asString();
    }

    static boolean hasSubject(JsonNode list, String field, String subject) {
        for (JsonNode item : list.get(field)) {
            if (subject.equals(item.path("subject").asString(""))) {
                return true;
            }
        }
        return false;
    }

    static JsonNode withSubject(JsonNode list, String field, String subject) {
        for (JsonNode item : list.get(field)) {
            if (subject.equals(item.path("subject").asString(""))) {
                return item;
            }
        }
        throw new AssertionError("no " + field + " with subject " + subject + " in " + list);
    }

    static String status(Api sender, String messageId) throws Exception {
        return sender.get("/api/v1/outbox/messages/" + messageId).json().get("recipients").get(0).get("status").asString();
    }

    /**
     * Makes {@code sender} a stranger to {@code user} again: accepting a sender's request, or writing to them, makes
     * them a learned correspondent, whose mail no longer waits, and other tests on these domains may have done so.
     */
    static void strangers(Api user, String sender) throws Exception {
        assertThat(user.delete("/api/v1/inbox/correspondents/" + sender).status()).isIn(204, 404);
    }

    static JsonNode awaitStatus(Api sender, String messageId, String status) throws Exception {
        return sender.await("/api/v1/outbox/messages/" + messageId,
                m -> m.get("recipients").get(0).get("status").asString().equals(status)).get("recipients").get(0);
    }

    @Test
    @Order(1)
    void aStrangersMailWaitsAsARequestAndIsFetchedOnlyAfterAcceptByteForByte() throws Exception {
        strangers(bob, "alice@alpha.test");
        String subject = unique("Lunch?");
        String id = send(alice, "bob@beta.test", subject, "Shall we try the new place by the station?");

        JsonNode request = withSubject(bob.await("/api/v1/inbox/requests", l -> hasSubject(l, "requests", subject)),
                "requests", subject);
        assertThat(request.get("from").asString()).isEqualTo("alice@alpha.test");
        assertThat(request.get("sender_domain").asString()).isEqualTo("alpha.test");
        // alpha.test's first notification to beta.test may be this one: known since at most now
        Instant firstSeen = Instant.parse(request.get("domain_first_seen").asString());
        assertThat(firstSeen).isBeforeOrEqualTo(Instant.parse(request.get("received_at").asString()).plusSeconds(1));
        assertThat(Instant.parse(request.get("sender_first_seen").asString())).isAfterOrEqualTo(firstSeen);
        assertThat(request.get("size").asLong()).isPositive();
        awaitStatus(alice, id, "notified");

        // nothing is fetched before the user accepts, however long the request waits
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() ->
                !hasSubject(bob.get("/api/v1/inbox/messages").json(), "messages", subject)
                        && status(alice, id).equals("notified"));

        assertThat(bob.post("/api/v1/inbox/requests/" + request.get("id").asString() + "/accept", null).status())
                .isEqualTo(202);
        JsonNode stored = withSubject(bob.await("/api/v1/inbox/messages", l -> hasSubject(l, "messages", subject)),
                "messages", subject);
        String messageId = stored.get("id").asString();

        byte[] received = bob.get("/api/v1/inbox/messages/" + messageId + "/raw").body();
        byte[] sent = alice.get("/api/v1/outbox/messages/" + id + "/raw").body();
        assertThat(received).isEqualTo(sent);

        JsonNode parsed = bob.get("/api/v1/inbox/messages/" + messageId).json();
        assertThat(parsed.get("subject").asString()).isEqualTo(subject);
        assertThat(parsed.get("from").asString()).isEqualTo("alice@alpha.test");
        assertThat(parsed.get("text").asString()).contains("new place by the station");
        assertThat(parsed.get("sender_verified").asBoolean()).isTrue();

        JsonNode delivery = awaitStatus(alice, id, "stored");
        Instant notified = Instant.parse(delivery.get("notified_at").asString());
        Instant fetched = Instant.parse(delivery.get("fetched_at").asString());
        Instant storedAt = Instant.parse(delivery.get("stored_at").asString());
        assertThat(notified).isBeforeOrEqualTo(fetched);
        assertThat(fetched).isBeforeOrEqualTo(storedAt);
    }

    @Test
    @Order(2)
    void mailWithinOneDomainTakesTheSameProtocolPath() throws Exception {
        Api alfred = Api.login(domains.alpha, "alfred@alpha.test", TwoDomains.PASSWORD);
        String subject = unique("Next door");
        String id = send(alice, "alfred@alpha.test", subject, "same domain, same protocol");
        // a colleague's mail is fetched at once (issue 16): no request to accept, still notified and fetched
        alfred.await("/api/v1/inbox/messages", l -> hasSubject(l, "messages", subject));
        assertThat(hasSubject(alfred.get("/api/v1/inbox/requests").json(), "requests", subject)).isFalse();
        JsonNode delivery = awaitStatus(alice, id, "stored");
        assertThat(delivery.get("notified_at").asString()).isNotBlank();
        assertThat(delivery.get("fetched_at").asString()).isNotBlank();
    }

    @Test
    @Order(3)
    void aContactsMailIsFetchedWithNoAction() throws Exception {
        assertThat(bob.put("/api/v1/inbox/contacts/alice@alpha.test").status()).isEqualTo(204);
        assertThat(bob.get("/api/v1/inbox/contacts").text()).contains("alice@alpha.test");
        String subject = unique("From a contact");
        String id = send(alice, "bob@beta.test", subject, "no click needed");

        bob.await("/api/v1/inbox/messages", l -> hasSubject(l, "messages", subject));
        assertThat(hasSubject(bob.get("/api/v1/inbox/requests").json(), "requests", subject)).isFalse();
        awaitStatus(alice, id, "stored");
    }

    @Test
    @Order(4)
    void aBlockedSenderIsRefused() throws Exception {
        assertThat(carol.put("/api/v1/inbox/blocklist/alpha.test").status()).isEqualTo(204);
        String subject = unique("Blocked");
        String id = send(alice, "carol@beta.test", subject, "you will not see this");

        JsonNode delivery = awaitStatus(alice, id, "declined");
        assertThat(delivery.get("detail").asString()).contains("blocked");
        assertThat(hasSubject(carol.get("/api/v1/inbox/requests").json(), "requests", subject)).isFalse();
        assertThat(hasSubject(carol.get("/api/v1/inbox/messages").json(), "messages", subject)).isFalse();
    }

    @Test
    @Order(5)
    void aRecallBeforeTheFetchMakesTheFetchFail() throws Exception {
        String subject = unique("Oops");
        String id = send(alice, "dave@beta.test", subject, "sent by mistake");
        JsonNode request = withSubject(dave.await("/api/v1/inbox/requests", l -> hasSubject(l, "requests", subject)),
                "requests", subject);

        Api.Response recall = alice.delete("/api/v1/outbox/messages/" + id);
        assertThat(recall.status()).isEqualTo(200);
        assertThat(recall.json().get("recipients").get(0).get("status").asString()).isEqualTo("recalled");

        String requestId = request.get("id").asString();
        assertThat(dave.post("/api/v1/inbox/requests/" + requestId + "/accept", null).status()).isEqualTo(202);
        JsonNode failed = dave.await("/api/v1/inbox/requests/" + requestId, r -> r.get("state").asString().equals("failed"));
        assertThat(failed.get("state").asString()).isEqualTo("failed");
        assertThat(hasSubject(dave.get("/api/v1/inbox/messages").json(), "messages", subject)).isFalse();
        assertThat(status(alice, id)).isEqualTo("recalled");
    }

    @Test
    @Order(6)
    void aRecalledMessageAnswers410AtTheProtocolLevel() throws Exception {
        PeerDomains.Peer gamma = domains.peers.peer("gamma.test");
        String subject = unique("To gamma");
        String id = send(alice, "xavier@gamma.test", subject, "hello gamma");
        Notification n = awaitNotification(gamma, id);
        assertThat(alice.delete("/api/v1/outbox/messages/" + id).status()).isEqualTo(200);

        Api.Response fetch = fetch(gamma, gamma, n.fetchUrl(), n.recipients().get(0).token());
        assertThat(fetch.status()).isEqualTo(410);
        assertThat(fetch.contentType()).startsWith(Pmp.MEDIA_TYPE_PROBLEM);
        assertThat(fetch.text()).contains("recalled");
    }

    @Test
    @Order(7)
    void forgedTamperedAndReplayedNotificationsAreRefusedWith401AndStoreNothing() throws Exception {
        PeerDomains.Peer gamma = domains.peers.peer("gamma.test");
        URI notify = URI.create(domains.beta.url() + Pmp.NOTIFY_PATH);
        Map<String, String> json = Map.of("Content-Type", "application/json");

        String genuineSubject = unique("Genuine");
        byte[] genuine = notification(gamma, "gamma.test", "sender@gamma.test", genuineSubject);
        HttpRequest.Builder genuineRequest = gamma.signed("POST", notify, genuine, SignatureProfile.NOTIFICATION, json,
                gamma.signer());
        Api.Response accepted = Api.send(genuineRequest);
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
        assertThat(accepted.text()).contains("\"outcome\":\"accepted\"");

        Api.Response replayed = Api.send(genuineRequest);
        assertThat(replayed.status()).isEqualTo(401);
        assertThat(replayed.text()).contains("nonce-reused");

        String tamperedSubject = unique("Tampered");
        byte[] signedBody = notification(gamma, "gamma.test", "sender@gamma.test", unique("Original"));
        byte[] tamperedBody = notification(gamma, "gamma.test", "sender@gamma.test", tamperedSubject);
        HttpRequest signed = gamma.signed("POST", notify, signedBody, SignatureProfile.NOTIFICATION, json,
                gamma.signer()).build();
        HttpRequest.Builder tampered = HttpRequest.newBuilder(notify)
                .header("Content-Type", "application/json")
                .header("Content-Digest", ContentDigest.sha256(tamperedBody))
                .header("Signature-Input", signed.headers().firstValue("Signature-Input").orElseThrow())
                .header("Signature", signed.headers().firstValue("Signature").orElseThrow())
                .POST(HttpRequest.BodyPublishers.ofByteArray(tamperedBody));
        Api.Response tamperedAnswer = Api.send(tampered);
        assertThat(tamperedAnswer.status()).isEqualTo(401);
        assertThat(tamperedAnswer.text()).contains("signature-invalid");

        // signed by gamma but claiming to come from alpha.test: alpha publishes no such key
        String forgedSubject = unique("Forged");
        byte[] forged = notification(gamma, "alpha.test", "alice@alpha.test", forgedSubject);
        Api.Response forgedAnswer = Api.send(gamma.signed("POST", notify, forged, SignatureProfile.NOTIFICATION, json,
                gamma.signer()));
        assertThat(forgedAnswer.status()).isEqualTo(401);
        assertThat(forgedAnswer.contentType()).startsWith(Pmp.MEDIA_TYPE_PROBLEM);

        JsonNode requests = erin.await("/api/v1/inbox/requests", l -> hasSubject(l, "requests", genuineSubject));
        assertThat(hasSubject(requests, "requests", tamperedSubject)).isFalse();
        assertThat(hasSubject(requests, "requests", forgedSubject)).isFalse();
        long fromGamma = 0;
        for (JsonNode r : requests.get("requests")) {
            fromGamma += r.get("sender_domain").asString().equals("gamma.test") ? 1 : 0;
        }
        assertThat(fromGamma).as("only the genuine notification from gamma.test is stored").isEqualTo(1);
    }

    @Test
    @Order(8)
    void aFetchSignedByAThirdDomainOrCarryingAnotherRecipientsTokenIsRefused() throws Exception {
        PeerDomains.Peer gamma = domains.peers.peer("gamma.test");
        PeerDomains.Peer delta = domains.peers.peer("delta.test");
        String first = send(alice, "xavier@gamma.test", unique("First"), "for xavier");
        String second = send(alice, "yvonne@gamma.test", unique("Second"), "for yvonne");
        Notification toXavier = awaitNotification(gamma, first);
        Notification toYvonne = awaitNotification(gamma, second);
        String xavierToken = toXavier.recipients().get(0).token();

        Api.Response byDelta = fetch(delta, delta, toXavier.fetchUrl(), xavierToken);
        assertThat(byDelta.status()).isEqualTo(401);
        assertThat(byDelta.text()).contains("unknown-key");

        Api.Response otherToken = fetch(gamma, gamma, toXavier.fetchUrl(), toYvonne.recipients().get(0).token());
        assertThat(otherToken.status()).isEqualTo(404);

        Api.Response noToken = Api.send(HttpRequest.newBuilder(URI.create(toXavier.fetchUrl())).GET());
        assertThat(noToken.status()).isEqualTo(401);
        assertThat(noToken.text()).contains("capability-missing");

        Api.Response genuine = fetch(gamma, gamma, toXavier.fetchUrl(), xavierToken);
        assertThat(genuine.status()).isEqualTo(200);
        assertThat(genuine.contentType()).isEqualTo(Pmp.MEDIA_TYPE_MESSAGE);
        assertThat(genuine.body()).isEqualTo(alice.get("/api/v1/outbox/messages/" + first + "/raw").body());
        awaitStatus(alice, first, "fetched");
    }

    @Test
    @Order(9)
    void aUserCannotReadAnotherUsersMail() throws Exception {
        JsonNode bobsMessages = bob.get("/api/v1/inbox/messages").json().get("messages");
        assertThat(bobsMessages.size()).isPositive();
        String bobsMessage = bobsMessages.get(0).get("id").asString();
        assertThat(carol.get("/api/v1/inbox/messages/" + bobsMessage).status()).isEqualTo(404);
        assertThat(carol.get("/api/v1/inbox/messages/" + bobsMessage + "/raw").status()).isEqualTo(404);

        String subject = unique("For bob only");
        assertThat(bob.delete("/api/v1/inbox/contacts/alice@alpha.test").status()).isEqualTo(204);
        strangers(bob, "alice@alpha.test");
        send(alice, "bob@beta.test", subject, "private");
        String request = withSubject(bob.await("/api/v1/inbox/requests", l -> hasSubject(l, "requests", subject)),
                "requests", subject).get("id").asString();
        assertThat(carol.post("/api/v1/inbox/requests/" + request + "/accept", null).status()).isEqualTo(404);
        assertThat(carol.get("/api/v1/inbox/requests").text()).doesNotContain(subject);

        String alicesMessage = alice.get("/api/v1/outbox/messages").json().get("messages").get(0).get("id").asString();
        Api bobAtAlpha = Api.tokenAt(domains.alpha, bob);
        assertThat(bobAtAlpha.get("/api/v1/outbox/messages/" + alicesMessage).status()).isEqualTo(401);
        assertThat(Api.send(HttpRequest.newBuilder(URI.create(domains.beta.url() + "/api/v1/inbox/messages")).GET())
                .status()).isEqualTo(401);
        assertThat(bob.put("/api/v1/inbox/contacts/alice@alpha.test").status()).isEqualTo(204);
    }

    @Test
    @Order(10)
    void badInputGetsAProblemAndChangesNothing() throws Exception {
        int before = alice.get("/api/v1/outbox/messages").json().get("messages").size();
        Api.Response badAddress = alice.post("/api/v1/outbox/messages", Map.of("to", List.of("not an address")));
        assertThat(badAddress.status()).isEqualTo(400);
        assertThat(badAddress.contentType()).startsWith(Pmp.MEDIA_TYPE_PROBLEM);
        Api.Response noRecipients = alice.post("/api/v1/outbox/messages", Map.of("subject", "x"));
        assertThat(noRecipients.status()).isEqualTo(400);
        Api.Response garbage = Api.send(HttpRequest.newBuilder(URI.create(domains.alpha.url() + "/api/v1/auth/token"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{not json")));
        assertThat(garbage.status()).isEqualTo(400);
        assertThat(garbage.contentType()).startsWith(Pmp.MEDIA_TYPE_PROBLEM);
        Api.Response wrongPassword = Api.send(HttpRequest.newBuilder(URI.create(domains.alpha.url() + "/api/v1/auth/token"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"address\":\"alice@alpha.test\",\"password\":\"wrong\"}")));
        assertThat(wrongPassword.status()).isEqualTo(401);
        Api.Response oversized = Api.send(HttpRequest.newBuilder(URI.create(domains.beta.url() + Pmp.NOTIFY_PATH))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[Pmp.MAX_NOTIFICATION_BYTES + 1])));
        assertThat(oversized.status()).isEqualTo(413);
        assertThat(alice.get("/api/v1/outbox/messages").json().get("messages").size()).isEqualTo(before);
    }

    @Test
    @Order(11)
    void everyServicePublishesItsOpenApiDocument() throws Exception {
        Map<String, String> expected = Map.of("gateway/v3/api-docs/gateway", "/api/v1/auth/token",
                "gateway/v3/api-docs/outbox", "/api/v1/outbox/messages",
                "inbox-service/v3/api-docs", "/api/v1/inbox/requests/{id}/accept",
                "notifier-service/v3/api-docs", "/.well-known/pullmail");
        for (var entry : expected.entrySet()) {
            String service = entry.getKey().substring(0, entry.getKey().indexOf('/'));
            String path = entry.getKey().substring(entry.getKey().indexOf('/'));
            Api.Response docs = Api.send(HttpRequest.newBuilder(
                    URI.create(domains.alpha.serviceUrl(service) + path)).GET());
            assertThat(docs.status()).as(entry.getKey()).isEqualTo(200);
            assertThat(docs.json().get("openapi").asString()).startsWith("3.");
            assertThat(docs.json().get("paths").has(entry.getValue())).as(entry.getKey() + " documents " + entry.getValue())
                    .isTrue();
        }
    }

    @Test
    @Order(12)
    void declineAsSpamTellsTheSender() throws Exception {
        // carol blocked alpha.test earlier: refused; once she lifts the block, mail arrives as a request
        String id = send(alice, "carol@beta.test", unique("Cheap watches"), "not really");
        awaitStatus(alice, id, "declined");
        assertThat(carol.delete("/api/v1/inbox/blocklist/alpha.test").status()).isEqualTo(204);
        strangers(carol, "alice@alpha.test");
        String subject = unique("Cheap watches");
        String second = send(alice, "carol@beta.test", subject, "again");
        String request = withSubject(carol.await("/api/v1/inbox/requests", l -> hasSubject(l, "requests", subject)),
                "requests", subject).get("id").asString();
        Api.Response declined = carol.post("/api/v1/inbox/requests/" + request + "/decline", Map.of("reason", "spam"));
        assertThat(declined.status()).isEqualTo(200);
        assertThat(declined.json().get("state").asString()).isEqualTo("spam");
        awaitStatus(alice, second, "spam");
        assertThat(status(alice, id)).isEqualTo("declined");
        Api.Response again = carol.post("/api/v1/inbox/requests/" + request + "/accept", null);
        assertThat(again.status()).isEqualTo(409);
        Api.Response badReason = carol.post("/api/v1/inbox/requests/" + request + "/decline", Map.of("reason", "meh"));
        assertThat(badReason.status()).isEqualTo(400);
    }

    @Test
    @Order(13)
    void anAdminCreatesAnAccountThatCanMailAtOnceAndOthersMayNot() throws Exception {
        Api admin = Api.login(domains.alpha, "admin@alpha.test", TwoDomains.PASSWORD);
        Map<String, Object> account = Map.of("address", "dora@alpha.test", "password", "dora-password-1", "admin", false);
        Api.Response created = admin.post("/api/v1/admin/accounts", account);
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.json().get("provisioned").asBoolean()).isTrue();
        assertThat(admin.post("/api/v1/admin/accounts", account).status()).as("idempotent").isEqualTo(200);
        assertThat(alice.post("/api/v1/admin/accounts", account).status()).isEqualTo(403);
        assertThat(admin.post("/api/v1/admin/accounts", Map.of("address", "eve@beta.test", "password", "long enough pw"))
                .status()).isEqualTo(400);

        Api dora = Api.login(domains.alpha, "dora@alpha.test", "dora-password-1");
        String subject = unique("Hello from dora");
        String id = send(dora, "bob@beta.test", subject, "new here");
        withSubject(bob.await("/api/v1/inbox/requests", l -> hasSubject(l, "requests", subject)), "requests", subject);
        awaitStatus(dora, id, "notified");
    }

    @Test
    @Order(100)
    void whenTheRecipientDomainIsDownTheNotifierRetriesAndDeliversExactlyOnce() throws Exception {
        domains.beta.stop("gateway");
        String subject = unique("While you were down");
        String id = send(alice, "bob@beta.test", subject, "delivered late, once");
        // nothing can be announced while beta is down
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> status(alice, id).equals("queued"));

        domains.beta.start("gateway");
        domains.beta.awaitReady(Duration.ofMinutes(2));
        Api bobAgain = Api.login(domains.beta, "bob@beta.test", TwoDomains.PASSWORD);
        bobAgain.await("/api/v1/inbox/messages", l -> hasSubject(l, "messages", subject));
        awaitStatus(alice, id, "stored");
        // exactly once: no second copy turns up while the retried notification settles
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> copies(bobAgain, subject) == 1);
    }

    static long copies(Api user, String subject) throws Exception {
        long copies = 0;
        for (JsonNode m : user.get("/api/v1/inbox/messages").json().get("messages")) {
            copies += subject.equals(m.get("subject").asString()) ? 1 : 0;
        }
        return copies;
    }

    static Notification awaitNotification(PeerDomains.Peer peer, String messageId) {
        return await(peer.domain + " receives a notification of " + messageId).atMost(Duration.ofSeconds(30))
                .until(() -> peer.received.stream().filter(n -> n.id().equals(messageId)).findFirst(),
                        Optional::isPresent)
                .orElseThrow();
    }

    static Api.Response fetch(PeerDomains.Peer as, PeerDomains.Peer signer, String fetchUrl, String token)
            throws Exception {
        return Api.send(as.signed("GET", URI.create(fetchUrl), null, SignatureProfile.FETCH,
                Map.of("Authorization", Pmp.CAPABILITY_SCHEME + " " + token), signer.signer()));
    }

    /** A notification to erin@beta.test whose fetch_url lies under the claimed sender domain's fetch_base. */
    static byte[] notification(PeerDomains.Peer gamma, String senderDomain, String from, String subject) {
        String base = senderDomain.equals("gamma.test") ? gamma.base() : domains.alpha.url();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String id = UUID.randomUUID().toString();
        Notification n = new Notification(id, from,
                List.of(new Notification.Recipient("erin@beta.test", "A".repeat(43))), subject, 100,
                ContentDigest.sha256("x".getBytes(StandardCharsets.UTF_8)), base + Pmp.FETCH_PATH + "/" + id, now,
                now.plus(Duration.ofDays(1)));
        return PmpJson.write(n);
    }
}
