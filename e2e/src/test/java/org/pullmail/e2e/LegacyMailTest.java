package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * Legacy mail enters the pull world (issue 17): swaks speaks SMTP to beta.test's bridge, which checks SPF and DMARC
 * against the tests' DNS, keeps the message and notifies beta.test's inbox; the recipient's policy decides it as any
 * other mail: a stranger waits as a request that shows how SMTP authenticated it, a contact proven by DMARC is
 * fetched at once (through the gateway, from the bridge), and a blocked sender is refused at the end of DATA.
 */
class LegacyMailTest {

    static final Path SWAKS = Path.of("/usr/bin/swaks");
    static final String PASSWORD = "legacy-mail-password-17";

    static TwoDomains domains;
    static Api betaAdmin;

    @BeforeAll
    static void start() throws Exception {
        assertThat(Files.isExecutable(SWAKS)).as("swaks is missing: apt-get install swaks").isTrue();
        domains = TwoDomains.get();
        betaAdmin = Api.login(domains.beta, "admin@beta.test", TwoDomains.PASSWORD);
        Domain.DNS.add("""
                legacy.test. 0 IN TXT "v=spf1 ip4:127.0.0.1 -all"
                _dmarc.legacy.test. 0 IN TXT "v=DMARC1; p=reject"
                """);
    }

    static Api account(String address) throws Exception {
        Api.Response created = betaAdmin.post("/api/v1/admin/accounts",
                Map.of("address", address, "password", PASSWORD, "admin", false));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        return Api.login(domains.beta, address, PASSWORD);
    }

    /** swaks sends {@code message} byte for byte to beta.test's bridge; what it printed of the dialogue. */
    static String swaks(String mailFrom, String to, String message) throws Exception {
        return swaks(domains.beta.smtpPort, mailFrom, to, message);
    }

    /** The same to any SMTP server on 127.0.0.1 (the SMTP world's Postfix, say). */
    static String swaks(int port, String mailFrom, String to, String message) throws Exception {
        Path file = Files.createTempFile("legacy-", ".eml");
        try {
            Files.writeString(file, message + ".\r\n", StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>(List.of(SWAKS.toString(), "--server", "127.0.0.1", "--port",
                    String.valueOf(port), "--ehlo", "mx.legacy.test", "--from", mailFrom, "--to", to,
                    "--data", "@" + file, "--no-data-fixup", "--timeout", "30"));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(60, TimeUnit.SECONDS);
            return out;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static String message(String from, String to, String subject) {
        return "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + UUID.randomUUID()
                + "@legacy.test>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\nHello from the SMTP world.\r\n";
    }

    static JsonNode withSubject(JsonNode list, String field, String subject) {
        for (JsonNode item : list.get(field)) {
            if (subject.equals(item.path("subject").asString(""))) {
                return item;
            }
        }
        return null;
    }

    @Test
    void aStrangersSmtpMailWaitsAsARequestWithItsResultsAndIsFetchedFromTheBridgeOnceAccepted() throws Exception {
        Api uma = account("uma@beta.test");
        String subject = PullDeliveryTest.unique("Quarterly figures");
        String dialogue = swaks("stranger@legacy.test", "uma@beta.test", message("stranger@legacy.test",
                "uma@beta.test", subject));
        assertThat(dialogue).contains("250 2.0.0 queued as");

        JsonNode requests = uma.await("/api/v1/inbox/requests", l -> withSubject(l, "requests", subject) != null);
        JsonNode request = withSubject(requests, "requests", subject);
        assertThat(request.get("from").asString()).isEqualTo("stranger@legacy.test");
        assertThat(request.at("/smtp/spf").asString()).isEqualTo("pass");
        assertThat(request.at("/smtp/dmarc").asString()).isEqualTo("pass");
        assertThat(request.at("/smtp/client_ip").asString()).isEqualTo("127.0.0.1");

        Api.Response accepted = uma.post("/api/v1/inbox/requests/" + request.get("id").asString() + "/accept", null);
        assertThat(accepted.status()).as(accepted.text()).isLessThan(300);
        JsonNode messages = uma.await("/api/v1/inbox/messages", l -> withSubject(l, "messages", subject) != null);
        JsonNode stored = withSubject(messages, "messages", subject);
        Api.Response raw = uma.get("/api/v1/inbox/messages/" + stored.get("id").asString() + "/raw");
        assertThat(raw.status()).isEqualTo(200);
        assertThat(raw.text()).startsWith("Authentication-Results: mx.beta.test;")
                .contains("spf=pass smtp.mailfrom=stranger@legacy.test", "dmarc=pass (p=reject) header.from=legacy.test",
                        "Received: from mx.legacy.test ([127.0.0.1])")
                .endsWith("Hello from the SMTP world.\r\n");
    }

    @Test
    void aContactProvenByDmarcIsFetchedAtOnceAndABlockedSenderGets550() throws Exception {
        Api vic = account("vic@beta.test");
        assertThat(vic.put("/api/v1/inbox/contacts/carol@legacy.test").status()).isEqualTo(204);
        String subject = PullDeliveryTest.unique("Lunch");
        assertThat(swaks("carol@legacy.test", "vic@beta.test", message("carol@legacy.test", "vic@beta.test", subject)))
                .contains("250 2.0.0 queued as");
        JsonNode messages = vic.await("/api/v1/inbox/messages", l -> withSubject(l, "messages", subject) != null);
        assertThat(withSubject(messages, "messages", subject).at("/smtp/dmarc").asString()).isEqualTo("pass");

        assertThat(vic.put("/api/v1/inbox/blocklist/pest@legacy.test").status()).isEqualTo(204);
        String offer = PullDeliveryTest.unique("Offer");
        String refused = swaks("pest@legacy.test", "vic@beta.test", message("pest@legacy.test", "vic@beta.test", offer));
        assertThat(refused).contains("550 5.7.1").doesNotContain("250 2.0.0 queued");

        // no open relay, and no mail for nobody, at RCPT TO
        assertThat(swaks("carol@legacy.test", "victim@elsewhere.test", message("carol@legacy.test",
                "victim@elsewhere.test", offer))).contains("550 5.7.1 relaying denied");
        assertThat(swaks("carol@legacy.test", "nobody@beta.test", message("carol@legacy.test", "nobody@beta.test",
                offer))).contains("550 5.1.1");
    }
}
