package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.Result;
import org.apache.james.jdkim.exceptions.FailException;
import org.apache.james.jdkim.impl.DNSPublicKeyRecordRetriever;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.pullmail.testing.PostfixFixture;
import org.xbill.DNS.SimpleResolver;

import tools.jackson.databind.JsonNode;

/**
 * alice@alpha.test writes to SMTP addresses (issue 17): legacy.test publishes no PMP/1 document, so alpha.test's
 * notifier hands the message to alpha.test's SMTP bridge, which delivers it to legacy.test's MX — a real Postfix —
 * DKIM-signed with the key alpha.test's admin publishes; the sender sees each recipient stored, or failed with the
 * MTA's reply.
 */
class MailToSmtpTest {

    /** legacy.test's MX, which also relays mail for beta.test to beta.test's bridge, as the SMTP world would. */
    @RegisterExtension
    static final PostfixFixture POSTFIX = new PostfixFixture(MailToSmtpTest::betaSmtpPort).onPort(Domain.legacyMxPort());
    static TwoDomains domains;
    static Api alice;

    @BeforeAll
    static void start() throws Exception {
        domains = TwoDomains.get();
        alice = Api.login(domains.alpha, "alice@alpha.test", TwoDomains.PASSWORD);
        Domain.DNS.add("""
                legacy.test. 0 IN MX 10 mx.legacy.test.
                mx.legacy.test. 0 IN A 127.0.0.1
                """);
        // alpha.test's admin copies the DKIM record from the Keys page into the zone
        Api admin = Api.login(domains.alpha, "admin@alpha.test", TwoDomains.PASSWORD);
        Api.Response keys = admin.get("/api/v1/admin/smtp/dkim");
        assertThat(keys.status()).as(keys.text()).isEqualTo(200);
        for (JsonNode key : keys.json().get("keys")) {
            StringBuilder strings = new StringBuilder();
            key.get("record_strings").forEach(s -> strings.append(" \"").append(s.asString()).append('"'));
            Domain.DNS.add(key.get("record_name").asString() + ". 0 IN TXT" + strings);
        }
    }

    @Test
    void mailToAnSmtpAddressArrivesInItsMailboxDkimSignedAndTheSenderSeesItStored() throws Exception {
        String subject = PullDeliveryTest.unique("To the SMTP world");
        int had = POSTFIX.maildirFiles("carol").size();
        String id = PullDeliveryTest.send(alice, "carol@legacy.test", subject, "Hello Carol, from the pull world.");

        Path delivered = POSTFIX.awaitMaildirFile("carol", had + 1, Duration.ofSeconds(60));
        String text = Files.readString(delivered, StandardCharsets.UTF_8);
        assertThat(text).contains("Subject: " + subject).contains("Hello Carol, from the pull world.")
                .contains("Return-Path: <alice@alpha.test>");
        Result dkim = dkimOf(text);
        assertThat(dkim.getHeaderTextWithReason()).startsWith("dkim=pass").contains("header.d=alpha.test");

        JsonNode carol = PullDeliveryTest.awaitStatus(alice, id, "stored");
        assertThat(carol.get("address").asString()).isEqualTo("carol@legacy.test");
        // the exact bytes alice's outbox keeps are what arrived, after the bridge's signature
        String kept = new String(alice.get("/api/v1/outbox/messages/" + id + "/raw").body(), StandardCharsets.UTF_8);
        assertThat(text.replace("\n", "\r\n")).contains(kept.substring(kept.indexOf("From:")));
    }

    @Test
    void aRecipientTheMtaRefusesShowsFailedWithItsReply() throws Exception {
        String subject = PullDeliveryTest.unique("Anyone there");
        String id = PullDeliveryTest.send(alice, "nobody@legacy.test", subject, "Is this address still in use?");

        JsonNode nobody = PullDeliveryTest.awaitStatus(alice, id, "failed");
        assertThat(nobody.get("detail").asString()).startsWith("550 5.1.1 <nobody@legacy.test>")
                .contains("User unknown");
    }

    static int betaSmtpPort() {
        try {
            return TwoDomains.get().beta.smtpPort;
        } catch (Exception e) {
            throw new IllegalStateException("the domains did not start", e);
        }
    }

    /**
     * The other way: the SMTP world's Postfix relays mail for beta.test into beta.test's bridge, where the
     * recipient's policy decides it: a stranger's waits as a request, a blocked sender's is refused at the end of
     * DATA, and Postfix bounces it with the bridge's reply instead of delivering it.
     */
    @Test
    void postfixRelaysMailForBetaIntoTheBridgeWhereTheRecipientDecides() throws Exception {
        Api betaAdmin = Api.login(domains.beta, "admin@beta.test", TwoDomains.PASSWORD);
        Api.Response created = betaAdmin.post("/api/v1/admin/accounts",
                Map.of("address", "vera@beta.test", "password", TwoDomains.PASSWORD, "admin", false));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        Api vera = Api.login(domains.beta, "vera@beta.test", TwoDomains.PASSWORD);

        String subject = PullDeliveryTest.unique("Relayed by the SMTP world");
        String dialogue = LegacyMailTest.swaks(POSTFIX.port(), "dora@legacy.test", "vera@beta.test",
                LegacyMailTest.message("dora@legacy.test", "vera@beta.test", subject));
        assertThat(dialogue).as("Postfix takes it for relaying").contains("250 2.0.0 Ok: queued");
        JsonNode requests = vera.await("/api/v1/inbox/requests",
                l -> LegacyMailTest.withSubject(l, "requests", subject) != null);
        JsonNode request = LegacyMailTest.withSubject(requests, "requests", subject);
        assertThat(request.get("policy").asString()).isEqualTo("a stranger");
        assertThat(request.at("/smtp/helo").asString()).as("the relaying MTA said who it is").isEqualTo("mx.legacy.test");
        assertThat(request.at("/smtp/mail_from").asString()).isEqualTo("dora@legacy.test");

        assertThat(vera.put("/api/v1/inbox/blocklist/spam.legacy.test").status()).isEqualTo(204);
        String refused = PullDeliveryTest.unique("Cheap offers");
        assertThat(LegacyMailTest.swaks(POSTFIX.port(), "deals@spam.legacy.test", "vera@beta.test",
                LegacyMailTest.message("deals@spam.legacy.test", "vera@beta.test", refused)))
                .contains("250 2.0.0 Ok: queued");
        // Postfix bounces it with the bridge's refusal
        await("Postfix's bounce").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> POSTFIX.logLines().stream().anyMatch(l -> l.contains("<vera@beta.test>")
                        && l.contains("status=bounced") && l.contains("550 5.7.1")));
        assertThat(LegacyMailTest.withSubject(vera.get("/api/v1/inbox/requests").json(), "requests", refused)).isNull();
    }

    private static Result dkimOf(String delivered) throws Exception {
        SimpleResolver resolver = new SimpleResolver(InetAddress.getLoopbackAddress());
        resolver.setPort(Domain.DNS.port());
        resolver.setTimeout(Duration.ofSeconds(2));
        DKIMVerifier verifier = new DKIMVerifier(new DNSPublicKeyRecordRetriever(resolver));
        try {
            // Postfix stores LF line ends: the signed form has CRLF
            verifier.verify(new ByteArrayInputStream(delivered.replaceAll("\r?\n", "\r\n")
                    .getBytes(StandardCharsets.UTF_8)));
        } catch (FailException e) {
            // the results say why
        }
        List<Result> results = verifier.getResults();
        assertThat(results).hasSize(1);
        return results.get(0);
    }
}
