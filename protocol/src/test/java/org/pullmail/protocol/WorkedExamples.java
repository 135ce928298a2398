package org.pullmail.protocol;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;

import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.Ed25519Keys;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.HttpSignatures;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;

/**
 * The worked examples of PROTOCOL.md, built from their inputs with the protocol library. The spec
 * test compares each block in PROTOCOL.md with these, byte for byte.
 */
final class WorkedExamples {

    static final String ALPHA_KEY = "{\"kty\":\"OKP\",\"d\":\"DgF_6_9ozL0-XBRtOU3_Y9bwlCqG3LfSjrwKTFk-_ew\",\"use\":\"sig\","
            + "\"crv\":\"Ed25519\",\"kid\":\"alpha.test/2026-11\",\"x\":\"7HiIBno47ndUCza3dyXWJ_Q1nfofvvlO9RpXoqy2ncY\"}";
    static final String BETA_KEY = "{\"kty\":\"OKP\",\"d\":\"_cvFwIhkAn7Mblp25PzkcyjK68zChQw9NCJqW8a7DJc\",\"use\":\"sig\","
            + "\"crv\":\"Ed25519\",\"kid\":\"beta.test/2026-11\",\"x\":\"tEABs59HLaBDXJ0AQcp5Lfwbe0Mmhiuw5tOrlR97nw0\"}";

    /** 2026-11-26T12:00:00Z, when the examples were "sent". */
    static final Instant NOW = Instant.ofEpochSecond(1795694400L);
    static final Clock CLOCK = Clock.fixed(NOW.plusSeconds(2), ZoneOffset.UTC);

    static final String MESSAGE_ID = "0193b5e4-7c1a-7b3e-9f00-5a1c2d3e4f50";
    static final String FETCH_URL = "https://alpha.test/pmp/v1/messages/" + MESSAGE_ID;
    static final String BOB_TOKEN = "q5mHbHd2bq0uVqMWbnW3T1sTfeOu3mY3ZlN0PvUo8dE";
    static final String CAROL_TOKEN = "Zm9yIGNhcm9sIG9ubHkgLSBhIHRva2VuIGZyb20gcmF";

    /** The message alice@alpha.test sends; lines end with CRLF on the wire. */
    static final String MESSAGE = """
            From: Alice <alice@alpha.test>
            To: bob@beta.test, carol@beta.test
            Subject: Lunch on Friday?
            Date: Thu, 26 Nov 2026 12:00:00 +0000
            Message-ID: <0193b5e4-7c1a-7b3e-9f00-5a1c2d3e4f50@alpha.test>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=UTF-8

            Shall we try the new place by the station?
            """;

    private WorkedExamples() {
    }

    static OctetKeyPair alphaKey() throws ProtocolException {
        return Ed25519Keys.parse(ALPHA_KEY);
    }

    static OctetKeyPair betaKey() throws ProtocolException {
        return Ed25519Keys.parse(BETA_KEY);
    }

    static byte[] messageBytes() {
        return MESSAGE.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    static DiscoveryDocument alphaDiscovery() throws ProtocolException {
        return DiscoveryDocument.of("alpha.test", URI.create("https://alpha.test/pmp/v1/notifications"),
                URI.create("https://alpha.test/pmp/v1/messages/"), new JWKSet(alphaKey().toPublicJWK()));
    }

    static DiscoveryDocument betaDiscovery() throws ProtocolException {
        return DiscoveryDocument.of("beta.test", URI.create("https://beta.test/pmp/v1/notifications"),
                URI.create("https://beta.test/pmp/v1/messages/"), new JWKSet(betaKey().toPublicJWK()));
    }

    static Notification notification() {
        return new Notification(MESSAGE_ID, "alice@alpha.test",
                List.of(new Notification.Recipient("bob@beta.test", BOB_TOKEN),
                        new Notification.Recipient("carol@beta.test", CAROL_TOKEN)),
                "Lunch on Friday?", messageBytes().length, ContentDigest.sha256(messageBytes()), FETCH_URL,
                NOW, NOW.plusSeconds(30L * 24 * 3600));
    }

    static NotificationReceipt receipt() {
        return new NotificationReceipt(MESSAGE_ID, List.of(
                new NotificationReceipt.RecipientOutcome("bob@beta.test", NotificationReceipt.Outcome.ACCEPTED),
                new NotificationReceipt.RecipientOutcome("carol@beta.test", NotificationReceipt.Outcome.ACCEPTED)));
    }

    static StatusReport statusReport() {
        return new StatusReport(List.of(new StatusReport.RecipientStatus("bob@beta.test", StatusReport.Status.STORED)));
    }

    /** A signed request: its view (for verifying), its body, and its parts as text. */
    record Example(HttpRequestView view, byte[] body, String signatureBase, String wire) {
    }

    static Example notificationRequest() throws ProtocolException {
        byte[] body = PmpJson.write(notification());
        HttpRequestView view = new HttpRequestView("POST", URI.create("https://beta.test/pmp/v1/notifications"))
                .header("Content-Type", "application/json")
                .header("Content-Digest", ContentDigest.sha256(body));
        return sign(view, body, SignatureProfile.NOTIFICATION, alphaKey(), "n2Xq8JrT0c9Vb1sLkPz4Yw",
                List.of("Host: beta.test", "Content-Type: application/json", "Content-Length: " + body.length,
                        "Content-Digest: " + ContentDigest.sha256(body)));
    }

    static Example fetchRequest() throws ProtocolException {
        HttpRequestView view = new HttpRequestView("GET", URI.create(FETCH_URL))
                .header("Authorization", "PMP-Capability " + BOB_TOKEN);
        return sign(view, null, SignatureProfile.FETCH, betaKey(), "f7Kp2Lm9Qr4St6Uv8Wx0Yz",
                List.of("Host: alpha.test", "Authorization: PMP-Capability " + BOB_TOKEN, "Accept: message/rfc822"));
    }

    static Example statusRequest() throws ProtocolException {
        byte[] body = PmpJson.write(statusReport());
        HttpRequestView view = new HttpRequestView("POST", URI.create(Pmp.statusUrl(FETCH_URL)))
                .header("Authorization", "PMP-Capability " + BOB_TOKEN)
                .header("Content-Type", "application/json")
                .header("Content-Digest", ContentDigest.sha256(body));
        return sign(view, body, SignatureProfile.STATUS, betaKey(), "s3Tt5Uu7Vv9Ww1Xx3Yy5Zz",
                List.of("Host: alpha.test", "Authorization: PMP-Capability " + BOB_TOKEN,
                        "Content-Type: application/json", "Content-Length: " + body.length,
                        "Content-Digest: " + ContentDigest.sha256(body)));
    }

    /** The fetch response's head; its body is {@link #MESSAGE} with CRLF line ends. */
    static String fetchResponseHead() {
        return "HTTP/1.1 200 OK\n"
                + "Content-Type: message/rfc822\n"
                + "Content-Length: " + messageBytes().length + "\n"
                + "Content-Digest: " + ContentDigest.sha256(messageBytes()) + "\n"
                + "Cache-Control: no-store\n";
    }

    private static Example sign(HttpRequestView view, byte[] body, SignatureProfile profile, OctetKeyPair key,
            String nonce, List<String> headerLines) throws ProtocolException {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("created", NOW.getEpochSecond());
        params.put("keyid", key.getKeyID());
        params.put("nonce", nonce);
        params.put("alg", Pmp.SIGNATURE_ALG);
        var coverage = HttpSignatures.coverage(profile.components(), params);
        var fields = HttpSignatures.sign(view, Pmp.SIGNATURE_LABEL, coverage, Ed25519Keys.privateKey(key));
        view.header(HttpSignatures.SIGNATURE_INPUT, fields.signatureInput());
        view.header(HttpSignatures.SIGNATURE, fields.signature());
        StringBuilder wire = new StringBuilder();
        URI uri = view.targetUri();
        wire.append(view.method()).append(' ').append(uri.getRawPath()).append(" HTTP/1.1\n");
        headerLines.forEach(line -> wire.append(line).append('\n'));
        wire.append("Signature-Input: ").append(fields.signatureInput()).append('\n');
        wire.append("Signature: ").append(fields.signature()).append('\n');
        if (body != null) {
            wire.append('\n').append(new String(body, StandardCharsets.UTF_8)).append('\n');
        }
        return new Example(view, body, HttpSignatures.signatureBase(view, coverage) + "\n", wire.toString());
    }

    /** Prints every block, for writing PROTOCOL.md. */
    public static void main(String[] args) throws Exception {
        for (var block : blocks().entrySet()) {
            System.out.println("<!-- example: " + block.getKey() + " -->");
            System.out.println("```");
            System.out.print(block.getValue());
            System.out.println("```");
            System.out.println();
        }
    }

    /** The example blocks of PROTOCOL.md by name. */
    static Map<String, String> blocks() throws ProtocolException {
        Map<String, String> blocks = new LinkedHashMap<>();
        blocks.put("alpha-key", alphaKey().toJSONString() + "\n");
        blocks.put("beta-key", betaKey().toJSONString() + "\n");
        blocks.put("discovery", PmpJson.writeString(alphaDiscovery()) + "\n");
        blocks.put("message", MESSAGE);
        blocks.put("notification-base", notificationRequest().signatureBase());
        blocks.put("notification-request", notificationRequest().wire());
        blocks.put("notification-response", "HTTP/1.1 200 OK\nContent-Type: application/json\n\n"
                + PmpJson.writeString(receipt()) + "\n");
        blocks.put("fetch-base", fetchRequest().signatureBase());
        blocks.put("fetch-request", fetchRequest().wire());
        blocks.put("fetch-response", fetchResponseHead());
        blocks.put("status-base", statusRequest().signatureBase());
        blocks.put("status-request", statusRequest().wire());
        return blocks;
    }
}
