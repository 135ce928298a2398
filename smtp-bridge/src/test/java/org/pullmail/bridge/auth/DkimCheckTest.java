package org.pullmail.bridge.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;

import org.apache.james.jdkim.DKIMSigner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pullmail.testing.TestDns;
import org.xbill.DNS.SimpleResolver;

/**
 * DKIM as the bridge verifies it, streaming, with keys from a real DNS server: a large signed message verifies, and a
 * message with more signatures than the limit has only the limit's worth verified, the From domain's first.
 */
class DkimCheckTest {

    static final TestDns DNS = new TestDns();
    static KeyPair key;
    static SimpleResolver resolver;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        key = generator.generateKeyPair();
        String record = "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(key.getPublic().getEncoded());
        StringBuilder strings = new StringBuilder();
        for (int i = 0; i < record.length(); i += 250) {
            strings.append('"').append(record, i, Math.min(record.length(), i + 250)).append("\" ");
        }
        DNS.add("sel._domainkey.legacy.test. 0 IN TXT " + strings + "\n");
        for (int i = 0; i < 12; i++) {
            DNS.add("sel._domainkey.other" + i + ".test. 0 IN TXT " + strings + "\n");
        }
        resolver = new SimpleResolver(new InetSocketAddress("127.0.0.1", DNS.port()));
        resolver.setTimeout(Duration.ofSeconds(3));
    }

    @AfterAll
    static void stop() {
        DNS.close();
    }

    static byte[] message(String body) {
        return ("From: carol@legacy.test\r\nTo: bob@beta.test\r\nSubject: Big\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
    }

    static String signature(byte[] message, String domain) throws Exception {
        DKIMSigner signer = new DKIMSigner("v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + domain + "; s=sel; "
                + "h=from:to:subject; bh=; b=;", key.getPrivate());
        return signer.sign(new ByteArrayInputStream(message)).replace("; ", ";\r\n\t") + "\r\n";
    }

    static byte[] concat(String head, byte[] message) {
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + message.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(message, 0, all, h.length, message.length);
        return all;
    }

    @Test
    void aFiveMegabyteSignedMessageVerifies() throws Exception {
        byte[] message = message(("z".repeat(998) + "\r\n").repeat(5 * 1024));
        assertThat(message.length).isGreaterThan(5_000_000);
        byte[] signed = concat(signature(message, "legacy.test"), message);
        DkimCheck.Outcome outcome = new DkimCheck(10).verify(new ByteArrayInputStream(signed), "legacy.test",
                resolver);
        assertThat(outcome.result()).isEqualTo("pass");
        assertThat(outcome.passingDomains()).containsExactly("legacy.test");

        signed[signed.length - 3] = 'y'; // one byte of the body changed
        assertThat(new DkimCheck(10).verify(new ByteArrayInputStream(signed), "legacy.test", resolver).result())
                .isEqualTo("fail");
    }

    @Test
    void atMostTheLimitOfSignaturesIsVerifiedTheFromDomainsFirst() throws Exception {
        byte[] message = message("Hello\r\n");
        StringBuilder head = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            head.append(signature(message, "other" + i + ".test"));
        }
        head.append(signature(message, "legacy.test")); // last in the message, first to be verified
        DkimCheck.Outcome outcome = new DkimCheck(10).verify(
                new ByteArrayInputStream(concat(head.toString(), message)), "legacy.test", resolver);
        assertThat(outcome.clauses()).hasSize(10);
        assertThat(outcome.passingDomains()).first().isEqualTo("legacy.test");
        assertThat(outcome.clauses()).anyMatch(c -> c.contains("header.d=legacy.test"));
    }

    @Test
    void aMessageWithoutSignaturesIsNone() throws IOException {
        assertThat(new DkimCheck(10).verify(new ByteArrayInputStream(message("Hi\r\n")), "legacy.test", resolver)
                .result()).isEqualTo("none");
    }
}
