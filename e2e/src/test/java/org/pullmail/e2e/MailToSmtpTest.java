package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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

    @RegisterExtension
    static final PostfixFixture POSTFIX = new PostfixFixture().onPort(Domain.legacyMxPort());
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
