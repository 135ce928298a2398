package org.pullmail.bridge.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.james.jdkim.api.Result;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.ApiProblem;
import org.pullmail.testing.PostfixFixture;
import org.pullmail.testing.ServiceDatabase;
import org.pullmail.testing.TestDns;
import org.pullmail.testing.TestInternalSecret;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * alpha.test's bridge delivering its users' mail over SMTP, with a real Postfix as the smarthost that serves
 * legacy.test's mailboxes, a stand-in for alpha.test's outbox (bytes and results), and a DNS the test controls for
 * the receiver's DKIM check. Messages live 4 s here, retried from 0.3 s on.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "pullmail.domain=alpha.test",
        "pullmail.bridge.smtp.port=0",
        "pullmail.bridge.outbound.lifetime=PT4S",
        "pullmail.bridge.outbound.retry-initial=PT0.3S",
        "pullmail.bridge.outbound.retry-max=PT1S",
        "pullmail.bridge.outbound.poll-interval=PT0.1S",
        "pullmail.bridge.outbound.helo-name=bridge.alpha.test"})
class OutboundDeliveryTest {

    @RegisterExtension
    static final PostfixFixture POSTFIX = new PostfixFixture();
    static final TestDns DNS = new TestDns();
    static final StandInOutbox OUTBOX = standIn();
    static final JsonMapper JSON = JsonMapper.builder().build();

    static StandInOutbox standIn() {
        try {
            return new StandInOutbox();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "bridge_outbound_test");
        registry.add("pullmail.bridge.dns.servers[0]", DNS::server);
        registry.add("pullmail.bridge.outbound.outbox-url", OUTBOX::base);
        registry.add("pullmail.bridge.outbound.smarthost", POSTFIX::hostAndPort);
    }

    @AfterAll
    static void stop() {
        OUTBOX.close();
        DNS.close();
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    DkimKeys dkim;

    final HttpClient http = HttpClient.newHttpClient();

    static String token() {
        byte[] bytes = new byte[32];
        ThreadLocalRandom.current().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** alice's message to {@code recipients} (all of legacy.test), kept by the outbox and handed to the bridge. */
    record Sent(UUID messageId, Notification notification, byte[] bytes, HttpResponse<String> response) {
    }

    Sent handOver(String subject, String... recipients) throws Exception {
        return handOver(true, subject, recipients);
    }

    /** {@code served}: whether the outbox still serves the message (false: recalled or expired, 410). */
    Sent handOver(boolean served, String subject, String... recipients) throws Exception {
        return handOver(served, SignedMail.message(String.join(", ", recipients), subject), subject, recipients);
    }

    Sent handOver(boolean served, byte[] bytes, String subject, String... recipients) throws Exception {
        UUID messageId = UUID.randomUUID();
        List<Notification.Recipient> tokens = new ArrayList<>();
        for (String r : recipients) {
            tokens.add(new Notification.Recipient(r, token()));
        }
        if (served) {
            OUTBOX.serve(messageId, bytes, tokens.stream().map(Notification.Recipient::token).toArray(String[]::new));
        }
        Instant now = Instant.now();
        Notification notification = new Notification("n-" + messageId, "alice@alpha.test", tokens, subject,
                bytes.length, ContentDigest.sha256(bytes), "http://127.0.0.1:8080/pmp/v1/messages/" + messageId, now,
                now.plus(Duration.ofDays(7)));
        return new Sent(messageId, notification, bytes, post(PmpJson.writeString(new OutboundHandover(messageId,
                notification))));
    }

    HttpResponse<String> post(String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/internal/v1/outbound"))
                .header("Authorization", TestInternalSecret.AUTHORIZATION).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode internal(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", TestInternalSecret.AUTHORIZATION).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** Publishes every DKIM key's record in the test's DNS, as the admin copies them from the Keys page. */
    void publishDkimRecords() throws Exception {
        for (JsonNode key : internal("/internal/v1/dkim").get("keys")) {
            String name = key.get("record_name").asString() + ".";
            DNS.remove(name);
            StringBuilder strings = new StringBuilder();
            for (JsonNode s : key.get("record_strings")) {
                assertThat(s.asString().getBytes(StandardCharsets.US_ASCII).length).isLessThanOrEqualTo(255);
                strings.append(" \"").append(s.asString()).append('"');
            }
            DNS.add(name + " 0 IN TXT" + strings);
        }
    }

    List<String> awaitResults(UUID messageId, String address) {
        return Awaitility.await("the result for " + address).atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50)).until(() -> OUTBOX.resultsFor(messageId, address), r -> !r.isEmpty());
    }

    @Test
    void aHandedOverMessageLandsInTheMailboxesDkimSignedAndTheOutboxHearsItStored() throws Exception {
        publishDkimRecords();
        int carolHad = POSTFIX.maildirFiles("carol").size();
        int daveHad = POSTFIX.maildirFiles("dave").size();
        Sent sent = handOver("Lunch on Friday", "carol@legacy.test", "dave@legacy.test");
        assertThat(sent.response().statusCode()).as(sent.response().body()).isEqualTo(202);

        Path carols = POSTFIX.awaitMaildirFile("carol", carolHad + 1, Duration.ofSeconds(15));
        Path daves = POSTFIX.awaitMaildirFile("dave", daveHad + 1, Duration.ofSeconds(15));
        String delivered = Files.readString(carols, StandardCharsets.UTF_8);
        assertThat(delivered).contains("Subject: Lunch on Friday").contains("Hello — grüße from the pull world.")
                .contains("\n.a line that starts with a dot\n").contains("DKIM-Signature:");
        assertThat(delivered).as("the envelope sender is the author").contains("Return-Path: <alice@alpha.test>");
        // a receiver's DKIM check of the delivered file, against the published record
        List<Result> dkimResults = SignedMail.verify(carols, DNS);
        assertThat(dkimResults).hasSize(1);
        assertThat(dkimResults.get(0).getHeaderTextWithReason()).startsWith("dkim=pass").contains("header.d=alpha.test");
        assertThat(SignedMail.verify(daves, DNS).get(0).getResultType()).isEqualTo(Result.Type.PASS);
        // From is signed twice over: a second From added on the way breaks the signature (RFC 6376 5.4.2)
        String forged = "From: Mallory <ceo@alpha.test>\n" + delivered;
        Path tampered = Files.writeString(Files.createTempFile("forged", ".eml"), forged);
        try {
            assertThat(SignedMail.verify(tampered, DNS)).singleElement()
                    .satisfies(r -> assertThat(r.getResultType()).isNotEqualTo(Result.Type.PASS));
        } finally {
            Files.delete(tampered);
        }

        assertThat(awaitResults(sent.messageId(), "carol@legacy.test")).singleElement().asString()
                .startsWith("stored 250 2.0.0 Ok");
        assertThat(awaitResults(sent.messageId(), "dave@legacy.test")).singleElement().asString().startsWith("stored");
        // one fetch with both recipients' tokens: both deliveries count as fetched, none is left recallable
        assertThat(OUTBOX.fetches).filteredOn(f -> f.messageId().equals(sent.messageId())).singleElement()
                .satisfies(f -> assertThat(f.tokens()).containsExactlyInAnyOrderElementsOf(
                        sent.notification().recipients().stream().map(Notification.Recipient::token).toList()));
        assertThat(jdbc.sql("SELECT count(*) FROM outbound_recipient r JOIN outbound_message m ON m.id = r.outbound_id"
                + " WHERE m.message_id = ? AND r.token IS NOT NULL").param(sent.messageId()).query(Integer.class).single())
                .as("tokens are dropped once a recipient's result is final").isZero();

        // the notifier hands over at least once: a repeat is taken, and nothing is sent twice
        HttpResponse<String> again = post(PmpJson.writeString(new OutboundHandover(sent.messageId(), sent.notification())));
        assertThat(again.statusCode()).isEqualTo(202);
        Awaitility.await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(3))
                .until(() -> POSTFIX.maildirFiles("carol").size() == carolHad + 1);
    }

    /** A message stored with bare LF line ends is signed as it goes on the wire, CRLF: it still verifies. */
    @Test
    void aMessageStoredWithBareLineFeedsIsSignedAsSentAndVerifies() throws Exception {
        publishDkimRecords();
        String subject = "Bare line feeds";
        byte[] bytes = new String(SignedMail.message("carol@legacy.test", subject), StandardCharsets.UTF_8)
                .replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8);
        int had = POSTFIX.maildirFiles("carol").size();
        Sent sent = handOver(true, bytes, subject, "carol@legacy.test");
        assertThat(sent.response().statusCode()).isEqualTo(202);
        Path delivered = POSTFIX.awaitMaildirFile("carol", had + 1, Duration.ofSeconds(15));
        assertThat(SignedMail.verify(delivered, DNS).get(0).getHeaderTextWithReason()).startsWith("dkim=pass");
    }

    /** A large message streams through the bridge (spooled, hashed as it passes) and still verifies. */
    @Test
    void aLargeMessageIsDeliveredWholeAndItsSignatureVerifies() throws Exception {
        publishDkimRecords();
        String subject = "Eight megabytes";
        StringBuilder text = new StringBuilder(new String(SignedMail.message("carol@legacy.test", subject),
                StandardCharsets.UTF_8));
        String line = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123\r\n";
        while (text.length() < 8 * 1024 * 1024) {
            text.append(line);
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        int had = POSTFIX.maildirFiles("carol").size();
        Sent sent = handOver(true, bytes, subject, "carol@legacy.test");
        assertThat(sent.response().statusCode()).isEqualTo(202);
        Path delivered = POSTFIX.awaitMaildirFile("carol", had + 1, Duration.ofSeconds(30));
        // Postfix stores LF line ends: 8 MiB less a byte per line; the body hash covers every byte of the rest
        assertThat(Files.size(delivered)).isGreaterThan(8L * 1000 * 1000);
        assertThat(SignedMail.verify(delivered, DNS).get(0).getHeaderTextWithReason()).startsWith("dkim=pass");
        assertThat(awaitResults(sent.messageId(), "carol@legacy.test")).singleElement().asString().startsWith("stored");
    }

    @Test
    void aRecipientTheMtaDoesNotKnowFailsWithItsReplyAndTheOthersAreStored() throws Exception {
        int before = POSTFIX.maildirFiles("carol").size();
        Sent sent = handOver("Who is there", "carol@legacy.test", "who@legacy.test");

        assertThat(awaitResults(sent.messageId(), "who@legacy.test")).singleElement().asString()
                .startsWith("failed 550 5.1.1 <who@legacy.test>").contains("User unknown");
        assertThat(awaitResults(sent.messageId(), "carol@legacy.test")).singleElement().asString().startsWith("stored");
        POSTFIX.awaitMaildirFile("carol", before + 1, Duration.ofSeconds(10));
    }

    @Test
    void aRecipientAnswered4xxIsRetriedAndFailsWithItsLastReplyAtTheEndOfTheLifetime() throws Exception {
        Sent sent = handOver("Are you busy", "busy@legacy.test");

        String result = awaitResults(sent.messageId(), "busy@legacy.test").get(0);
        assertThat(result).startsWith("failed gave up after ").contains("451 4.2.1 <busy@legacy.test>")
                .contains("mailbox busy, try again later");
        int attempts = jdbc.sql("SELECT attempts FROM outbound_message WHERE message_id = ?").param(sent.messageId())
                .query(Integer.class).single();
        assertThat(attempts).as("retried within the 4 s lifetime").isGreaterThanOrEqualTo(2);
        assertThat(POSTFIX.maildirFiles("busy")).isEmpty();
        assertThat(POSTFIX.logLines()).filteredOn(l -> l.contains("busy@legacy.test") && l.contains("451 4.2.1"))
                .hasSizeGreaterThanOrEqualTo(attempts);
    }

    @Test
    void aRecipientAnswered4xxIsRetriedAndStoredOnceItsMtaTakesIt() throws Exception {
        int had = POSTFIX.maildirFiles("dave").size();
        POSTFIX.busy("dave@legacy.test", true);
        try {
            Sent sent = handOver("Try again later", "dave@legacy.test");
            String deferred = Awaitility.await("a deferred attempt").atMost(Duration.ofSeconds(3))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> jdbc.sql("SELECT last_error FROM outbound_message WHERE message_id = ?")
                            .param(sent.messageId()).query(String.class).optional().orElse(null), e -> e != null);
            assertThat(deferred).contains("451 4.2.1 <dave@legacy.test>");
            assertThat(OUTBOX.resultsFor(sent.messageId(), "dave@legacy.test")).as("a 4xx is no result").isEmpty();
            POSTFIX.busy("dave@legacy.test", false);

            assertThat(awaitResults(sent.messageId(), "dave@legacy.test")).singleElement().asString().startsWith("stored");
            POSTFIX.awaitMaildirFile("dave", had + 1, Duration.ofSeconds(5));
            assertThat(jdbc.sql("SELECT attempts FROM outbound_message WHERE message_id = ?").param(sent.messageId())
                    .query(Integer.class).single()).isGreaterThanOrEqualTo(2);
        } finally {
            POSTFIX.busy("dave@legacy.test", false);
        }
    }

    @Test
    void aMessageTheOutboxNoLongerServesFailsAtOnceWithTheOutboxsReason() throws Exception {
        int had = POSTFIX.maildirFiles("carol").size();
        Sent sent = handOver(false, "Recalled already", "carol@legacy.test");

        assertThat(awaitResults(sent.messageId(), "carol@legacy.test")).singleElement().asString()
                .isEqualTo("failed the outbox no longer serves the message: this message expired before it was fetched");
        assertThat(jdbc.sql("SELECT attempts FROM outbound_message WHERE message_id = ?").param(sent.messageId())
                .query(Integer.class).single()).as("no retry").isEqualTo(1);
        assertThat(POSTFIX.maildirFiles("carol")).hasSize(had);
    }

    @Test
    void theQueuesFiguresCountTheRecipientsStoredAndFailed() throws Exception {
        Sent sent = handOver("Counted", "dave@legacy.test", "nobody@legacy.test");
        awaitResults(sent.messageId(), "dave@legacy.test");
        awaitResults(sent.messageId(), "nobody@legacy.test");
        JsonNode stats = internal("/internal/v1/stats?minutes=5");
        long stored = 0;
        long failed = 0;
        for (JsonNode series : stats.get("series")) {
            long sum = series.get("counts").valueStream().mapToLong(JsonNode::asLong).sum();
            if (series.get("name").asString().equals("smtp_stored")) {
                stored = sum;
            } else if (series.get("name").asString().equals("smtp_failed")) {
                failed = sum;
            }
        }
        assertThat(stored).isGreaterThanOrEqualTo(1);
        assertThat(failed).isGreaterThanOrEqualTo(1);
        assertThat(stats.get("gauges").has("smtp_queue_pending")).isTrue();
        assertThat(stats.get("gauges").has("smtp_queue_retrying")).isTrue();
    }

    @Test
    void aHandOverThatIsNotUnderstoodIsA4xxProblem() throws Exception {
        HttpResponse<String> garbage = post("{\"message_id\":\"" + UUID.randomUUID() + "\",\"notification\":{\"id\":1}}");
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(garbage.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(post("[]").statusCode()).isEqualTo(400);
        assertThat(post("{\"notification\":null}").statusCode()).isEqualTo(400);
        HttpResponse<String> withoutSecret = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/internal/v1/outbound"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(withoutSecret.statusCode()).isEqualTo(401);
    }

    @Test
    void aRotationSignsWithANewSelectorWhileTheOldOneStaysListed() throws Exception {
        String before = internal("/internal/v1/dkim").get("keys").get(0).get("selector").asString();
        // a new key is listed with its record first, and signs only once activated: the record must be out first
        DkimKeys.PublishedKey rotated = dkim.rotate();
        JsonNode keys = internal("/internal/v1/dkim").get("keys");
        assertThat(keys.get(0).get("selector").asString()).as("the signing key first").isEqualTo(before);
        assertThat(keys.get(1).get("selector").asString()).isEqualTo(rotated.selector()).isNotEqualTo(before);
        assertThat(keys.get(1).get("active").asBoolean()).isFalse();
        assertThat(keys.get(1).get("record_name").asString()).isEqualTo(rotated.selector() + "._domainkey.alpha.test");
        assertThat(keys.get(1).get("record_value").asString()).startsWith("v=DKIM1; k=rsa; p=MII");
        int beforeRotation = POSTFIX.maildirFiles("dave").size();
        handOver("Before the new key is active", "dave@legacy.test");
        Path stillOld = POSTFIX.awaitMaildirFile("dave", beforeRotation + 1, Duration.ofSeconds(15));
        assertThat(SignedMail.verify(stillOld, DNS).get(0).getHeaderTextWithReason()).contains("header.s=" + before);

        // not published yet: activating would fail DKIM for all the domain's mail, so it is refused with what DNS has
        assertThatThrownBy(() -> dkim.activate(rotated.selector(), false)).isInstanceOfSatisfying(ApiProblem.class, e -> {
            assertThat(e.status()).isEqualTo(HttpStatus.CONFLICT);
            assertThat(e.type().toString()).endsWith("dkim-record-missing");
            assertThat(e.getMessage()).contains(rotated.selector() + "._domainkey.alpha.test has no TXT record");
        });
        DNS.add(rotated.recordName() + ". 0 IN TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwrong\"");
        assertThatThrownBy(() -> dkim.activate(rotated.selector(), false)).isInstanceOfSatisfying(ApiProblem.class,
                e -> assertThat(e.getMessage()).contains("not this key").contains("wrong"));
        assertThat(internal("/internal/v1/dkim").get("keys").get(0).get("selector").asString()).isEqualTo(before);
        publishDkimRecords();
        dkim.activate(rotated.selector(), false);
        keys = internal("/internal/v1/dkim").get("keys");
        assertThat(keys.get(0).get("selector").asString()).isEqualTo(rotated.selector());
        assertThat(keys.get(0).get("active").asBoolean()).isTrue();
        assertThat(keys.valueStream().map(k -> k.get("selector").asString())).contains(before);
        int before2 = POSTFIX.maildirFiles("dave").size();
        handOver("After the rotation", "dave@legacy.test");
        Path delivered = POSTFIX.awaitMaildirFile("dave", before2 + 1, Duration.ofSeconds(15));
        Result result = SignedMail.verify(delivered, DNS).get(0);
        assertThat(result.getHeaderTextWithReason()).startsWith("dkim=pass")
                .contains("header.s=" + rotated.selector());

        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/api/v1/admin/smtp/dkim/rotate"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
    }
}
