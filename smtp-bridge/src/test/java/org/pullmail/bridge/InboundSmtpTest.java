package org.pullmail.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.james.jdkim.DKIMSigner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.bridge.inbound.SmtpListener;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.HttpSignatures;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.testing.ServiceDatabase;
import org.pullmail.testing.TestDns;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The bridge's inbound half with real peers: swaks speaks SMTP to it, a DNS server the test controls answers its SPF,
 * DKIM and DMARC questions, a stand-in for the rest of beta.test answers its mailbox lookups and notifications and
 * publishes the key that signs fetches, and the test fetches and reports as beta.test's inbox does.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "pullmail.domain=beta.test",
        "pullmail.discovery.allow-private-addresses=true",
        "pullmail.bridge.smtp.port=0",
        "pullmail.bridge.smtp.host-name=mx.beta.test",
        "pullmail.bridge.smtp.max-message-bytes=200000",
        "pullmail.bridge.smtp.connections-per-client=4",
        "pullmail.bridge.smtp.messages-per-minute=1000",
        "pullmail.bridge.authentication.concurrency=1",
        "pullmail.bridge.authentication.deadline=PT3S",
        "pullmail.bridge.expiry-interval=PT0.5S"})
class InboundSmtpTest {

    static final TestDns DNS = new TestDns();
    static final HeldDns DNS_FRONT = new HeldDns(DNS);
    static final StandInInbox BETA = standIn();
    static final KeyPair DKIM_KEY = rsa();

    static StandInInbox standIn() {
        try {
            return new StandInInbox();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair rsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "bridge_inbound_test");
        registry.add("pullmail.public-url", BETA::base);
        registry.add("pullmail.bridge.inbox-url", BETA::base);
        registry.add("pullmail.discovery.overrides.[beta.test]", BETA::base);
        registry.add("pullmail.bridge.dns.servers[0]", DNS_FRONT::server);
    }

    @AfterAll
    static void stop() {
        BETA.close();
        DNS_FRONT.close();
        DNS.close();
    }

    @Autowired
    SmtpListener smtp;
    @Autowired
    JdbcClient jdbc;
    @LocalServerPort
    int httpPort;

    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void world() {
        Swaks.requireInstalled();
        BETA.bridgePort(() -> httpPort);
        BETA.mailboxes.addAll(List.of("bob@beta.test", "ann@beta.test"));
        DNS.clear();
        String key = "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(DKIM_KEY.getPublic().getEncoded());
        StringBuilder strings = new StringBuilder();
        for (int i = 0; i < key.length(); i += 250) {
            strings.append('"').append(key, i, Math.min(key.length(), i + 250)).append("\" ");
        }
        DNS.add("""
                legacy.test. 0 IN TXT "v=spf1 ip4:127.0.0.1 -all"
                _dmarc.legacy.test. 0 IN TXT "v=DMARC1; p=reject"
                sel._domainkey.legacy.test. 0 IN TXT %s
                evil.test. 0 IN TXT "v=spf1 -all"
                _dmarc.evil.test. 0 IN TXT "v=DMARC1; p=reject"
                """.formatted(strings));
    }

    // --- helpers

    static byte[] message(String from, String to, String subject, String body) {
        return ("From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000"
                + "\r\nMessage-ID: <" + UUID.randomUUID() + "@legacy.test>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] dkimSigned(byte[] message) throws Exception {
        return dkimSigned(message, "");
    }

    /** Signed by legacy.test, with {@code extraTags} (such as {@code l=12; }) in the signature. */
    static byte[] dkimSigned(byte[] message, String extraTags) throws Exception {
        DKIMSigner signer = new DKIMSigner("v=1; a=rsa-sha256; c=relaxed/relaxed; d=legacy.test; s=sel; "
                + "h=from:to:subject:date:message-id; " + extraTags + "bh=; b=;", DKIM_KEY.getPrivate());
        String field = signer.sign(new ByteArrayInputStream(message));
        byte[] head = (field.replace("; ", ";\r\n\t") + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] signed = new byte[head.length + message.length];
        System.arraycopy(head, 0, signed, 0, head.length);
        System.arraycopy(message, 0, signed, head.length, message.length);
        return signed;
    }

    static String subject() {
        return "Minutes " + UUID.randomUUID();
    }

    List<StandInInbox.Received> notified(String subject) {
        return BETA.received.stream().filter(r -> subject.equals(r.notification().subject())).toList();
    }

    StandInInbox.Received onlyNotification(String subject) {
        List<StandInInbox.Received> found = notified(subject);
        assertThat(found).hasSize(1);
        assertThat(found.get(0).problem()).as("the notification's signature").isNull();
        return found.get(0);
    }

    int kept(String subject) {
        return jdbc.sql("SELECT count(*) FROM legacy_message WHERE subject = ? AND content_deleted_at IS NULL")
                .param(subject).query(Integer.class).single();
    }

    /** A fetch or status report as beta.test's inbox sends it: signed for the public URL, sent to the bridge. */
    HttpResponse<byte[]> signed(String method, String fetchUrl, String suffix, String token, byte[] body)
            throws Exception {
        URI target = URI.create(fetchUrl + suffix);
        URI sendTo = URI.create("http://127.0.0.1:" + httpPort + target.getRawPath());
        Map<String, String> headers = new LinkedHashMap<>();
        if (token != null) {
            headers.put("Authorization", Pmp.CAPABILITY_SCHEME + " " + token);
        }
        if (body != null) {
            headers.put("Content-Type", Pmp.MEDIA_TYPE_JSON);
            headers.put("Content-Digest", ContentDigest.sha256(body));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(sendTo);
        if (token != null) { // the profile covers Authorization: without a token, an unsigned request
            HttpRequestView view = new HttpRequestView(method, target);
            headers.forEach(view::header);
            HttpSignatures.SignatureFields signature = BETA.signer().sign(view,
                    body == null ? SignatureProfile.FETCH : SignatureProfile.STATUS);
            request.header(HttpSignatures.SIGNATURE_INPUT, signature.signatureInput())
                    .header(HttpSignatures.SIGNATURE, signature.signature());
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> fetch(Notification n, String token) throws Exception {
        return signed("GET", n.fetchUrl(), "", token, null);
    }

    HttpResponse<byte[]> report(Notification n, String token, String status) throws Exception {
        String address = n.recipients().get(0).address();
        return signed("POST", n.fetchUrl(), "/status", token,
                ("{\"recipients\":[{\"address\":\"" + address + "\",\"status\":\"" + status + "\"}]}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    // --- the SMTP edge

    @Test
    void ehloOffersPipelining8bitmimeSizeAndSmtputf8ButNoStarttlsWithoutACertificate() throws Exception {
        String dialogue = Swaks.run(smtp.port(), "--quit-after", "EHLO");
        assertThat(dialogue).contains("220 mx.beta.test", "250-mx.beta.test", "250-PIPELINING", "250-8BITMIME",
                "250-SIZE 200000", "250 SMTPUTF8");
        assertThat(dialogue).doesNotContain("STARTTLS", "CHUNKING");
    }

    @Test
    void noOpenRelayAndNoMailForNobody() throws Exception {
        String relay = Swaks.run(smtp.port(), "--from", "carol@legacy.test", "--to", "victim@elsewhere.test");
        assertThat(relay).contains("550 5.7.1 relaying denied");
        String nobody = Swaks.run(smtp.port(), "--from", "carol@legacy.test", "--to", "nobody@beta.test");
        assertThat(nobody).contains("550 5.1.1 <nobody@beta.test>: no such mailbox here");
        // the inbox cannot tell: a temporary refusal, so the client tries again later
        String unsure = Swaks.run(smtp.port(), "--from", "carol@legacy.test", "--to", "broken@beta.test");
        assertThat(unsure).contains("451 4.3.0 cannot check <broken@beta.test> now");
        assertThat(BETA.received).noneMatch(r -> r.notification().recipients().stream()
                .anyMatch(x -> x.address().equals("victim@elsewhere.test") || x.address().equals("nobody@beta.test")));
    }

    @Test
    void aMessageOverTheLimitIsRefusedWith552AndTheSessionGoesOn() throws Exception {
        String subject = subject();
        byte[] big = message("carol@legacy.test", "bob@beta.test", subject, "z"
                + ("y".repeat(998) + "\r\n").repeat(250));
        String dialogue = Swaks.send(smtp.port(), "carol@legacy.test", "bob@beta.test", big);
        assertThat(dialogue).contains("552 5.3.4");
        assertThat(notified(subject)).isEmpty();
        assertThat(kept(subject)).isZero();
    }

    @Test
    void connectionsBeyondThePerClientLimitGet421() throws Exception {
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                Socket socket = new Socket("127.0.0.1", smtp.port());
                open.add(socket);
                assertThat(firstLine(socket)).startsWith("220 ");
            }
            Socket fifth = new Socket("127.0.0.1", smtp.port());
            open.add(fifth);
            assertThat(firstLine(fifth)).startsWith("421");
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
    }

    private static String firstLine(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }

    // --- authentication results

    @Test
    void spfDkimAndDmarcAreComputedFromDnsAndTravelInTheNotificationAndTheHeader() throws Exception {
        String aligned = subject();
        String out = Swaks.send(smtp.port(), "carol@legacy.test", "bob@beta.test",
                dkimSigned(message("Carol <carol@legacy.test>", "bob@beta.test", aligned, "Hello Bob")));
        assertThat(out).contains("250 2.0.0 queued as");
        StandInInbox.Received proven = onlyNotification(aligned);
        assertThat(proven.notification().from()).isEqualTo("carol@legacy.test");
        assertThat(proven.client()).isEqualTo("127.0.0.1");
        assertThat(proven.notification().bridged()).satisfies(b -> {
            assertThat(b.clientIp()).isEqualTo("127.0.0.1");
            assertThat(b.helo()).isEqualTo("mx.legacy.test");
            assertThat(b.mailFrom()).isEqualTo("carol@legacy.test");
            assertThat(b.spf()).isEqualTo("pass");
            assertThat(b.dkim()).isEqualTo("pass");
            assertThat(b.dkimDomains()).containsExactly("legacy.test");
            assertThat(b.dmarc()).isEqualTo("pass");
        });

        // SPF -all for the client, no signature, a DMARC policy: nothing proves the From
        String forged = subject();
        Swaks.send(smtp.port(), "billing@evil.test", "bob@beta.test",
                message("billing@evil.test", "bob@beta.test", forged, "Pay now"));
        assertThat(onlyNotification(forged).notification().bridged()).satisfies(b -> {
            assertThat(b.spf()).isEqualTo("fail");
            assertThat(b.dkim()).isEqualTo("none");
            assertThat(b.dmarc()).isEqualTo("fail");
        });

        // a domain without any record: none, none, none
        String unknown = subject();
        Swaks.send(smtp.port(), "dan@nowhere.test", "bob@beta.test",
                message("dan@nowhere.test", "bob@beta.test", unknown, "Hi"));
        assertThat(onlyNotification(unknown).notification().bridged()).satisfies(b -> {
            assertThat(b.spf()).isEqualTo("none");
            assertThat(b.dkim()).isEqualTo("none");
            assertThat(b.dmarc()).isEqualTo("none");
        });

        // a signature over a body changed on the way fails, and without an aligned SPF pass so does DMARC
        String tampered = subject();
        byte[] signed = dkimSigned(message("carol@legacy.test", "bob@beta.test", tampered, "Pay 10 EUR"));
        byte[] changed = new String(signed, StandardCharsets.UTF_8).replace("Pay 10 EUR", "Pay 9999 EUR")
                .getBytes(StandardCharsets.UTF_8);
        Swaks.send(smtp.port(), "bounce@nowhere.test", "bob@beta.test", changed);
        assertThat(onlyNotification(tampered).notification().bridged()).satisfies(b -> {
            assertThat(b.spf()).isEqualTo("none");
            assertThat(b.dkim()).isEqualTo("fail");
            assertThat(b.dkimDomains()).isEmpty();
            assertThat(b.dmarc()).isEqualTo("fail");
        });
    }

    // --- the inbox's answer decides the SMTP answer

    @Test
    void aBlockedSenderGets550AtTheEndOfDataAndNothingIsKept() throws Exception {
        String subject = subject();
        BETA.outcomes.put(subject, NotificationReceipt.Outcome.BLOCKED);
        String out = Swaks.send(smtp.port(), "carol@legacy.test", "bob@beta.test",
                message("carol@legacy.test", "bob@beta.test", subject, "Offer"));
        assertThat(out).contains("550 5.7.1 the recipient does not accept mail from this sender");
        assertThat(onlyNotification(subject)).isNotNull();
        assertThat(jdbc.sql("SELECT count(*) FROM legacy_message WHERE subject = ?").param(subject)
                .query(Integer.class).single()).isZero();
    }

    @Test
    void anInboxOverItsLimitOrDownGets451AndNothingIsKept() throws Exception {
        String limited = subject();
        BETA.refusals.put(limited, 429);
        assertThat(Swaks.send(smtp.port(), "carol@legacy.test", "bob@beta.test",
                message("carol@legacy.test", "bob@beta.test", limited, "Hi"))).contains("451 4.7.1");
        String broken = subject();
        BETA.refusals.put(broken, 503);
        assertThat(Swaks.send(smtp.port(), "carol@legacy.test", "bob@beta.test",
                message("carol@legacy.test", "bob@beta.test", broken, "Hi"))).contains("451 4.3.0");
        assertThat(jdbc.sql("SELECT count(*) FROM legacy_message WHERE subject IN (?, ?)").params(limited, broken)
                .query(Integer.class).single()).isZero();
    }

    @Test
    void aResendAfterALostConnectionIsTheSameNotificationAndKeptOnce() throws Exception {
        String subject = subject();
        byte[] message = message("carol@legacy.test", "bob@beta.test", subject, "Once");
        assertThat(Swaks.send(smtp.port(), "carol@legacy.test", "bob@beta.test", message)).contains("250 2.0.0");
        assertThat(Swaks.send(smtp.port(), "carol@legacy.test", "bob@beta.test", message)).contains("250 2.0.0");
        List<StandInInbox.Received> both = notified(subject);
        assertThat(both).hasSize(2);
        assertThat(both.get(1).notification().id()).isEqualTo(both.get(0).notification().id());
        assertThat(both.get(1).notification().fetchUrl()).isEqualTo(both.get(0).notification().fetchUrl());
        assertThat(jdbc.sql("SELECT count(*) FROM legacy_message WHERE subject = ?").param(subject)
                .query(Integer.class).single()).isOne();
        // either notification's token fetches: the inbox kept whichever it stored first
        for (StandInInbox.Received r : both) {
            assertThat(fetch(r.notification(), r.notification().recipients().get(0).token()).statusCode()).isEqualTo(200);
        }
    }

    // --- fetch, status report, expiry

    @Test
    void theFetchServesTheExactKeptBytesOnlyToTheTokenAndTheDomainsSignature() throws Exception {
        String subject = subject();
        byte[] sent = dkimSigned(message("carol@legacy.test", "bob@beta.test", subject, "Grüße aus Köln"));
        Swaks.send(smtp.port(), "carol@legacy.test", "bob@beta.test", sent);
        Notification n = onlyNotification(subject).notification();
        assertThat(n.fetchUrl()).startsWith(BETA.base() + "/pmp/v1/messages/smtp/");
        String token = n.recipients().get(0).token();

        HttpResponse<byte[]> wrong = fetch(n, "A".repeat(43));
        assertThat(wrong.statusCode()).isEqualTo(404);
        assertThat(text(wrong)).contains("not-found");
        HttpResponse<byte[]> missing = fetch(n, null);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(text(missing)).contains("capability-missing");
        HttpResponse<byte[]> unsigned = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                        + URI.create(n.fetchUrl()).getPath())).header("Authorization", "PMP-Capability " + token).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(text(unsigned)).contains("signature-missing");

        HttpResponse<byte[]> fetched = fetch(n, token);
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(fetched.headers().firstValue("Content-Type")).hasValue("message/rfc822");
        assertThat((long) fetched.body().length).isEqualTo(n.size());
        assertThat(ContentDigest.sha256(fetched.body())).isEqualTo(n.digest());
        String bytes = text(fetched);
        assertThat(bytes).startsWith("Authentication-Results: mx.beta.test;\r\n\tspf=pass smtp.mailfrom=carol@legacy.test;");
        assertThat(bytes).contains("dkim=pass header.d=legacy.test header.s=sel", "dmarc=pass (p=reject) header.from=legacy.test",
                "\r\nReceived: from mx.legacy.test ([127.0.0.1])\r\n\tby mx.beta.test (Pullmail smtp-bridge) with ESMTP id ");
        assertThat(bytes).endsWith(new String(sent, StandardCharsets.UTF_8));
        // a second fetch before the report (the inbox crashed in between, say) is served again
        assertThat(fetch(n, token).statusCode()).isEqualTo(200);

        // the status report: stored; the bytes go once every recipient is done, and later fetches learn so
        assertThat(report(n, "A".repeat(43), "stored").statusCode()).isEqualTo(404);
        HttpResponse<byte[]> stored = report(n, token, "stored");
        assertThat(stored.statusCode()).as(text(stored)).isEqualTo(204);
        assertThat(state(n)).isEqualTo("stored");
        assertThat(kept(subject)).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM message_chunk c JOIN legacy_message m ON m.id = c.message_id"
                + " WHERE m.subject = ?").param(subject).query(Integer.class).single()).isZero();
        HttpResponse<byte[]> gone = fetch(n, token);
        assertThat(gone.statusCode()).isEqualTo(410);
        assertThat(text(gone)).contains("expired");
        // a repeat changes nothing; declined cannot follow stored; spam about delivered mail is recorded
        assertThat(report(n, token, "stored").statusCode()).isEqualTo(204);
        HttpResponse<byte[]> conflict = report(n, token, "declined");
        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(text(conflict)).contains("status-conflict");
        assertThat(report(n, token, "spam").statusCode()).isEqualTo(204);
        assertThat(state(n)).isEqualTo("spam");
    }

    String state(Notification n) {
        String id = n.fetchUrl().substring(n.fetchUrl().lastIndexOf('/') + 1);
        return jdbc.sql("SELECT state FROM legacy_recipient WHERE message_id = ?::uuid AND address = ?")
                .params(id, n.recipients().get(0).address()).query(String.class).single();
    }

    @Test
    void unfetchedMailExpiresAndItsBytesAreDeleted() throws Exception {
        String subject = subject();
        Swaks.send(smtp.port(), "carol@legacy.test", "ann@beta.test",
                message("carol@legacy.test", "ann@beta.test", subject, "Old news"));
        Notification n = onlyNotification(subject).notification();
        assertThat(kept(subject)).isOne();
        jdbc.sql("UPDATE legacy_message SET expires_at = now() - interval '1 second' WHERE subject = ?").param(subject)
                .update();
        await("the expiry job").atMost(Duration.ofSeconds(10)).until(() -> kept(subject) == 0);
        HttpResponse<byte[]> expired = fetch(n, n.recipients().get(0).token());
        assertThat(expired.statusCode()).isEqualTo(410);
        assertThat(text(expired)).contains("expired");
    }

    // --- hardening (issue 17 review)

    /** A raw SMTP dialogue: each command is sent and its (last) reply line returned. */
    static final class Dialogue implements AutoCloseable {

        final Socket socket;
        final BufferedReader in;

        Dialogue(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(15_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertThat(reply()).startsWith("220 ");
        }

        String send(String command) throws IOException {
            socket.getOutputStream().write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            return reply();
        }

        /** The reply's last line (multi-line replies have {@code -} after the code); null when the server closed. */
        String reply() throws IOException {
            String line = in.readLine();
            while (line != null && line.length() > 3 && line.charAt(3) == '-') {
                line = in.readLine();
            }
            return line;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void aHeloThatIsNoDomainNameIsRefusedSoItCannotWriteIntoTheResults() throws Exception {
        try (Dialogue smtp = new Dialogue(this.smtp.port())) {
            assertThat(smtp.send("EHLO x;dmarc=pass")).startsWith("501 5.5.2");
            assertThat(smtp.send("HELO x;dmarc=pass")).startsWith("501 5.5.2");
            assertThat(smtp.send("EHLO mx\u0001legacy.test")).startsWith("501 5.5.2");
            assertThat(smtp.send("HELO mx.legacy.test (dkim=pass)")).startsWith("501 5.5.2");
            assertThat(smtp.send("EHLO [192.0.2.7]")).startsWith("250 ");
            assertThat(smtp.send("HELO mx.legacy.test")).startsWith("250 ");
        }
    }

    @Test
    void aForgedAuthenticationResultsFieldInOurNameIsRemovedOthersStay() throws Exception {
        String subject = subject();
        byte[] plain = message("billing@evil.test", "bob@beta.test", subject, "Pay now");
        String forged = "Authentication-Results: mx.beta.test;\r\n\tdkim=pass header.d=bank.test;\r\n\tdmarc=pass\r\n"
                + "Authentication-Results: (cached) MX.Beta.Test; spf=pass smtp.mailfrom=bank.test\r\n"
                + "Authentication-Results: relay.elsewhere.test; spf=pass smtp.mailfrom=evil.test\r\n";
        byte[] sent = (forged + new String(plain, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        assertThat(Swaks.send(smtp.port(), "billing@evil.test", "bob@beta.test", sent)).contains("250 2.0.0");
        Notification n = onlyNotification(subject).notification();
        String stored = text(fetch(n, n.recipients().get(0).token()));
        assertThat(stored).startsWith("Authentication-Results: mx.beta.test;\r\n\tspf=fail");
        assertThat(stored).doesNotContain("header.d=bank.test", "smtp.mailfrom=bank.test")
                .contains("Authentication-Results: relay.elsewhere.test; spf=pass smtp.mailfrom=evil.test\r\n");
        assertThat(stored.split("Authentication-Results: mx.beta.test", -1)).hasSize(2);
        assertThat(stored).endsWith(new String(plain, StandardCharsets.UTF_8));
    }

    @Test
    void recipientsMatchRegardlessOfCaseAndEveryRelayTrickIs550() throws Exception {
        String subject = subject();
        try (Dialogue smtp = new Dialogue(this.smtp.port())) {
            assertThat(smtp.send("EHLO mx.legacy.test")).startsWith("250 ");
            assertThat(smtp.send("MAIL FROM:<carol@legacy.test>")).startsWith("250");
            assertThat(smtp.send("RCPT TO:<Bob@beta.test>")).startsWith("250");
            assertThat(smtp.send("RCPT TO:<bob@BETA.TEST>")).startsWith("250");
            assertThat(smtp.send("RCPT TO:<user%other.test@beta.test>")).startsWith("550 5.7.1");
            assertThat(smtp.send("RCPT TO:<@beta.test:user@other.test>")).startsWith("550 5.7.1");
            assertThat(smtp.send("RCPT TO:<\"user@other.test\"@beta.test>")).startsWith("550 5.7.1");
            assertThat(smtp.send("RCPT TO:<bob@beta.test.>")).startsWith("550 5.7.1");
            // the inbox refuses the question for good: no such mailbox, not "try again" for ever
            assertThat(smtp.send("RCPT TO:<teapot@beta.test>")).startsWith("550 5.1.1");
            assertThat(smtp.send("RCPT TO:<busy@beta.test>")).startsWith("451 4.3.0");
            // a bridge that cannot ask rightly (a wrong secret, a wrong inbox URL) delays mail, never bounces it
            assertThat(smtp.send("RCPT TO:<misconfigured@beta.test>")).startsWith("451 4.3.0");
            assertThat(smtp.send("RCPT TO:<elsewhere@beta.test>")).startsWith("451 4.3.0");
            assertThat(smtp.send("DATA")).startsWith("354");
            String message = new String(message("carol@legacy.test", "Bob@beta.test", subject, "Hi"),
                    StandardCharsets.UTF_8);
            assertThat(smtp.send(message + ".")).startsWith("250 2.0.0");
        }
        // notified once, for the address as the inbox knows it
        assertThat(onlyNotification(subject).notification().recipients().stream().map(r -> r.address()).toList())
                .containsExactly("bob@beta.test");
    }

    @Test
    void aClientGuessingAddressesIsCutOffAfterTwentyRefusals() throws Exception {
        try (Dialogue smtp = new Dialogue(this.smtp.port())) {
            assertThat(smtp.send("EHLO mx.legacy.test")).startsWith("250 ");
            assertThat(smtp.send("MAIL FROM:<carol@legacy.test>")).startsWith("250");
            for (int i = 0; i < 20; i++) {
                assertThat(smtp.send("RCPT TO:<guess" + i + "@beta.test>")).startsWith("550 5.1.1");
            }
            // even a real address: the session is over
            assertThat(smtp.send("RCPT TO:<bob@beta.test>")).startsWith("421 4.7.0");
            assertThat(smtp.reply()).as("the connection is closed").isNull();
        }
    }

    @Test
    void aSignatureWhoseLengthTagLeavesPartOfTheBodyUnsignedProvesNothing() throws Exception {
        String subject = subject();
        byte[] signed = dkimSigned(message("carol@legacy.test", "bob@beta.test", subject, "Pay 10 EUR"), "l=12; ");
        byte[] appended = (new String(signed, StandardCharsets.UTF_8)
                + "Also wire 9999 EUR to the account below.\r\n").getBytes(StandardCharsets.UTF_8);
        Swaks.send(smtp.port(), "bounce@nowhere.test", "bob@beta.test", appended);
        assertThat(onlyNotification(subject).notification().bridged()).satisfies(b -> {
            assertThat(b.dkim()).isEqualTo("fail");
            assertThat(b.dkimDomains()).isEmpty();
            assertThat(b.dmarc()).isEqualTo("fail");
        });
        // signed to its end with l=, it still passes
        String whole = subject();
        Swaks.send(smtp.port(), "bounce@nowhere.test", "bob@beta.test",
                dkimSigned(message("carol@legacy.test", "bob@beta.test", whole, "Pay 10 EUR"), "l=12; "));
        assertThat(onlyNotification(whole).notification().bridged().dkim()).isEqualTo("pass");
    }

    @Test
    void checksTakeTurnsAndADnsThatNeverAnswersHoldsOneForTheDeadlineAtMost() throws Exception {
        // this test runs with one turn and a deadline of 3 s
        DNS_FRONT.hold("stuck.test");
        try {
            String stuckSubject = subject();
            String nextSubject = subject();
            CompletableFuture<String> stuck = CompletableFuture.supplyAsync(() -> send("carol@stuck.test", stuckSubject));
            await().atMost(Duration.ofSeconds(15)).until(() -> DNS_FRONT.firstAsked("stuck.test").isPresent());
            Instant held = DNS_FRONT.firstAsked("stuck.test").orElseThrow();
            CompletableFuture<String> next = CompletableFuture.supplyAsync(() -> send("dan@waiting.test", nextSubject));

            assertThat(stuck.get(20, TimeUnit.SECONDS)).contains("250 2.0.0");
            assertThat(Duration.between(held, Instant.now())).as("the deadline bounds the checks")
                    .isLessThan(Duration.ofSeconds(10));
            assertThat(onlyNotification(stuckSubject).notification().bridged()).satisfies(b -> {
                assertThat(b.spf()).isEqualTo("temperror");
                assertThat(b.dmarc()).isEqualTo("temperror");
            });
            assertThat(next.get(20, TimeUnit.SECONDS)).contains("250 2.0.0");
            // the second message's checks began only when the first one's turn ended, at its deadline
            assertThat(DNS_FRONT.firstAsked("waiting.test")).hasValueSatisfying(
                    at -> assertThat(at).isAfter(held.plusMillis(2500)));
            assertThat(onlyNotification(nextSubject).notification().bridged().spf()).isEqualTo("none");
        } finally {
            DNS_FRONT.release("stuck.test");
        }
    }

    private String send(String from, String subject) {
        try {
            return Swaks.send(smtp.port(), from, "bob@beta.test", message(from, "bob@beta.test", subject, "Hello"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
