package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pullmail.protocol.Notification;
import org.pullmail.testing.PeerDomains;

import tools.jackson.databind.JsonNode;

/** Real messages across two domains: attachments, any language, several recipient domains. */
class SenderSideTest {

    static TwoDomains domains;
    static Api alice;
    static Api bob;

    @BeforeAll
    static void start() throws Exception {
        domains = TwoDomains.get();
        alice = Api.login(domains.alpha, "alice@alpha.test", TwoDomains.PASSWORD);
        bob = Api.login(domains.beta, "bob@beta.test", TwoDomains.PASSWORD);
    }

    @Test
    void aBinaryAttachmentAndANonAsciiSubjectArriveByteExactInAnotherDomain() throws Exception {
        byte[] binary = new byte[150 * 1024];
        new Random(150).nextBytes(binary);
        String subject = PullDeliveryTest.unique("Überweisung für Jürgen — 請求書 ✓");
        PullDeliveryTest.strangers(bob, "alice@alpha.test");
        Api.Response sent = alice.post("/api/v1/outbox/messages", Map.of(
                "to", List.of("bob@beta.test"), "subject", subject, "text", "Anbei die Unterlagen. Grüße!",
                "attachments", List.of(Map.of("filename", "Prüfbericht.bin", "contentType", "application/octet-stream",
                        "content", Base64.getEncoder().encodeToString(binary)))));
        assertThat(sent.status()).as(sent.text()).isEqualTo(201);
        String id = sent.json().get("id").asString();

        JsonNode request = PullDeliveryTest.withSubject(
                bob.await("/api/v1/inbox/requests", l -> PullDeliveryTest.hasSubject(l, "requests", subject)),
                "requests", subject);
        assertThat(request.get("size").asLong()).isGreaterThan(150 * 1024);
        assertThat(bob.post("/api/v1/inbox/requests/" + request.get("id").asString() + "/accept", null).status())
                .isEqualTo(202);
        String messageId = PullDeliveryTest.withSubject(
                bob.await("/api/v1/inbox/messages", l -> PullDeliveryTest.hasSubject(l, "messages", subject)),
                "messages", subject).get("id").asString();

        assertThat(bob.get("/api/v1/inbox/messages/" + messageId + "/raw").body())
                .isEqualTo(alice.get("/api/v1/outbox/messages/" + id + "/raw").body());
        JsonNode parsed = bob.get("/api/v1/inbox/messages/" + messageId).json();
        assertThat(parsed.get("subject").asString()).isEqualTo(subject);
        assertThat(parsed.get("text").asString()).isEqualTo("Anbei die Unterlagen. Grüße!");
        JsonNode attachment = parsed.get("attachments").get(0);
        assertThat(attachment.get("filename").asString()).isEqualTo("Prüfbericht.bin");
        assertThat(attachment.get("size").asLong()).isEqualTo(binary.length);
        Api.Response file = bob.get("/api/v1/inbox/messages/" + messageId + "/attachments/0");
        assertThat(file.status()).isEqualTo(200);
        assertThat(file.body()).isEqualTo(binary);
        assertThat(bob.get("/api/v1/inbox/messages/" + messageId + "/attachments/7").status()).isEqualTo(404);
        PullDeliveryTest.awaitStatus(alice, id, "stored");
    }

    @Test
    void domainMetersAreExposedForPrometheusAndTraceContextTravelsWithNotifications() throws Exception {
        PeerDomains.Peer gamma = domains.peers.peer("gamma.test");
        String id = PullDeliveryTest.send(alice, "zoe@gamma.test", PullDeliveryTest.unique("Traced"), "x");
        PullDeliveryTest.awaitNotification(gamma, id);
        assertThat(gamma.traceparents.get(gamma.traceparents.size() - 1))
                .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
        String notifier = Api.send(HttpRequest.newBuilder(URI.create(
                domains.alpha.serviceUrl("notifier-service") + "/actuator/prometheus")).GET()).text();
        assertThat(notifier).contains("pullmail_notifications_sent_total", "pullmail_queue_depth",
                "http_client_requests_seconds_count");
        String inbox = Api.send(HttpRequest.newBuilder(URI.create(
                domains.beta.serviceUrl("inbox-service") + "/actuator/prometheus")).GET()).text();
        assertThat(inbox).contains("pullmail_notifications_received_total");
    }

    @Test
    void recipientsInSeveralDomainsGetOneNotificationPerDomainWithATokenEach() throws Exception {
        PeerDomains.Peer gamma = domains.peers.peer("gamma.test");
        // here alice writes as a stranger, so that her mail to bob waits as a request (notified, not fetched)
        PullDeliveryTest.strangers(bob, "alice@alpha.test");
        String subject = PullDeliveryTest.unique("To two domains");
        Api.Response sent = alice.post("/api/v1/outbox/messages", Map.of(
                "to", List.of("bob@beta.test", "xavier@gamma.test"), "cc", List.of("yvonne@gamma.test"),
                "subject", subject, "text", "hello all"));
        assertThat(sent.status()).isEqualTo(201);
        String id = sent.json().get("id").asString();
        Notification toGamma = PullDeliveryTest.awaitNotification(gamma, id);
        assertThat(toGamma.recipients()).extracting(Notification.Recipient::address)
                .containsExactlyInAnyOrder("xavier@gamma.test", "yvonne@gamma.test");
        assertThat(toGamma.recipients().get(0).token()).isNotEqualTo(toGamma.recipients().get(1).token());
        assertThat(gamma.received.stream().filter(n -> n.id().equals(id)).count()).isEqualTo(1);
        bob.await("/api/v1/inbox/requests", l -> PullDeliveryTest.hasSubject(l, "requests", subject));
        JsonNode message = alice.await("/api/v1/outbox/messages/" + id, m -> {
            for (JsonNode r : m.get("recipients")) {
                if (!r.get("status").asString().equals("notified")) {
                    return false;
                }
            }
            return true;
        });
        assertThat(message.get("recipients").size()).isEqualTo(3);
        assertThat(alice.get("/api/v1/outbox/messages?state=notified&limit=500").text()).contains(id);
        assertThat(alice.get("/api/v1/outbox/messages?state=expired&limit=500").text()).doesNotContain(id);
    }
}
