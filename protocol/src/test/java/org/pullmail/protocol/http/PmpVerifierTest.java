package org.pullmail.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.jwk.OctetKeyPair;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;

class PmpVerifierTest {

    static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    static final URI NOTIFY = URI.create("https://beta.test/pmp/v1/notifications");
    static final byte[] BODY = "{\"id\":\"m1\"}".getBytes(StandardCharsets.UTF_8);

    OctetKeyPair alpha = Ed25519Keys.generate("alpha.test/1");
    OctetKeyPair mallory = Ed25519Keys.generate("alpha.test/1");
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    PmpVerifier verifier;

    @BeforeEach
    void setUp() {
        verifier = new PmpVerifier(clock, new InMemoryNonceStore(clock));
    }

    PmpVerifier.KeyLookup alphaKeys() {
        return kid -> {
            if (!kid.equals("alpha.test/1")) {
                throw new ProtocolException(ProblemType.UNKNOWN_KEY, "no key " + kid);
            }
            return Ed25519Keys.publicKey(alpha.toPublicJWK());
        };
    }

    static HttpRequestView notification(byte[] body) {
        return new HttpRequestView("POST", NOTIFY)
                .header("Content-Type", "application/json")
                .header("Content-Digest", ContentDigest.sha256(body));
    }

    static HttpRequestView signed(HttpRequestView request, OctetKeyPair key, Clock at) {
        var fields = new PmpSigner(key, at).sign(request, SignatureProfile.NOTIFICATION);
        return request.header("Signature-Input", fields.signatureInput()).header("Signature", fields.signature());
    }

    static HttpRequestView copy(HttpRequestView r, String replaceHeader, String value) {
        HttpRequestView out = new HttpRequestView(r.method(), r.targetUri());
        for (String name : List.of("Content-Type", "Content-Digest", "Signature-Input", "Signature")) {
            String v = name.equalsIgnoreCase(replaceHeader) ? value : r.firstHeader(name);
            out.header(name, v);
        }
        return out;
    }

    void assertRefused(HttpRequestView request, byte[] body, ProblemType expected) {
        assertThatThrownBy(() -> verifier.verify(request, body, SignatureProfile.NOTIFICATION, alphaKeys()))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.type()).isEqualTo(expected));
    }

    @Test
    void acceptsAProperlySignedNotification() throws Exception {
        var verified = verifier.verify(signed(notification(BODY), alpha, clock), BODY,
                SignatureProfile.NOTIFICATION, alphaKeys());
        assertThat(verified.keyId()).isEqualTo("alpha.test/1");
        assertThat(verified.created()).isEqualTo(NOW);
    }

    @Test
    void aRequestBuiltBySignerRequestVerifiesAndItsBodyIsBoundToIt() throws Exception {
        var request = new PmpSigner(alpha, clock).request("POST", NOTIFY, Map.of("Content-Type", "application/json"),
                BODY, SignatureProfile.NOTIFICATION);
        assertThat(request.headers()).containsKeys("Content-Digest", "Signature-Input", "Signature");
        HttpRequestView received = new HttpRequestView(request.method(), request.uri());
        request.headers().forEach(received::header);
        assertThat(verifier.verify(received, request.body(), SignatureProfile.NOTIFICATION, alphaKeys()).keyId())
                .isEqualTo("alpha.test/1");
        assertRefused(received, "{\"id\":\"m2\"}".getBytes(StandardCharsets.UTF_8), ProblemType.DIGEST_MISMATCH);
    }

    @Test
    void refusesAChangedCoveredHeader() {
        HttpRequestView request = signed(notification(BODY), alpha, clock);
        assertRefused(copy(request, "Content-Type", "text/plain"), BODY, ProblemType.SIGNATURE_INVALID);
    }

    /** Signs with {@code components} under {@code label}, as a peer that ignores the profile would. */
    HttpRequestView signedWith(HttpRequestView request, List<String> components, String label) throws Exception {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("created", NOW.getEpochSecond());
        params.put("keyid", "alpha.test/1");
        params.put("nonce", "0123456789abcdefghij");
        params.put("alg", "ed25519");
        var fields = HttpSignatures.sign(request, label, HttpSignatures.coverage(components, params),
                Ed25519Keys.privateKey(alpha));
        return request.header("Signature-Input", fields.signatureInput()).header("Signature", fields.signature());
    }

    static final byte[] TAMPERED = "{\"id\":\"m2\"}".getBytes(StandardCharsets.UTF_8);

    // PROTOCOL.md 3.3: the signature covers the Content-Digest header, not the body itself, so a tampered
    // body is caught by the signature only when its digest was recomputed, else by the digest check

    @Test
    void aTamperedBodyWithItsOriginalContentDigestIsDigestMismatch() {
        HttpRequestView request = signed(notification(BODY), alpha, clock);
        assertRefused(request, TAMPERED, ProblemType.DIGEST_MISMATCH);
    }

    @Test
    void aTamperedBodyWithARecomputedContentDigestIsSignatureInvalid() {
        HttpRequestView request = signed(notification(BODY), alpha, clock);
        assertRefused(copy(request, "Content-Digest", ContentDigest.sha256(TAMPERED)), TAMPERED,
                ProblemType.SIGNATURE_INVALID);
    }

    @Test
    void aMissingContentDigestIsSignatureInvalidWhenTheSignatureCoversIt() {
        HttpRequestView request = signed(notification(BODY), alpha, clock);
        assertRefused(copy(request, "Content-Digest", null), BODY, ProblemType.SIGNATURE_INVALID);
    }

    @Test
    void aMissingContentDigestIsSignatureProfileWhenTheSignatureDoesNotCoverIt() throws Exception {
        HttpRequestView request = signedWith(new HttpRequestView("POST", NOTIFY).header("Content-Type", "application/json"),
                List.of("@method", "@target-uri", "content-type"), "pmp");
        assertRefused(request, BODY, ProblemType.SIGNATURE_PROFILE);
    }

    @Test
    void aSignatureWithoutThePmpLabelIsSignatureProfile() throws Exception {
        HttpRequestView request = signedWith(notification(BODY), SignatureProfile.NOTIFICATION.components(), "sig1");
        assertRefused(request, BODY, ProblemType.SIGNATURE_PROFILE);
    }

    @Test
    void aSignedContentDigestWithoutSha256OrSha512IsMalformedRequest() throws Exception {
        HttpRequestView request = signedWith(new HttpRequestView("POST", NOTIFY)
                .header("Content-Type", "application/json").header("Content-Digest", "md5=:AAAAAAAAAAAAAAAAAAAAAA==:"),
                SignatureProfile.NOTIFICATION.components(), "pmp");
        assertRefused(request, BODY, ProblemType.MALFORMED_REQUEST);
    }

    @Test
    void aSignedSha512ContentDigestIsAccepted() throws Exception {
        byte[] sha512 = MessageDigest.getInstance("SHA-512").digest(BODY);
        HttpRequestView request = signedWith(new HttpRequestView("POST", NOTIFY)
                .header("Content-Type", "application/json")
                .header("Content-Digest", ContentDigest.fieldValue("sha-512", sha512)),
                SignatureProfile.NOTIFICATION.components(), "pmp");
        verifier.verify(request, BODY, SignatureProfile.NOTIFICATION, alphaKeys());
    }

    @Test
    void theSignatureIsCheckedBeforeTheDigest() {
        Clock stale = Clock.fixed(NOW.minus(Duration.ofMinutes(10)), ZoneOffset.UTC);
        assertRefused(signed(notification(BODY), alpha, stale), TAMPERED, ProblemType.SIGNATURE_EXPIRED);
    }

    @Test
    void theDigestIsCheckedBeforeTheNonce() throws Exception {
        HttpRequestView request = signed(notification(BODY), alpha, clock);
        verifier.verify(request, BODY, SignatureProfile.NOTIFICATION, alphaKeys());
        assertRefused(request, TAMPERED, ProblemType.DIGEST_MISMATCH);
        assertRefused(request, BODY, ProblemType.NONCE_REUSED);
    }

    @Test
    void refusesASignatureByAnotherKeyWithTheSameKid() {
        assertRefused(signed(notification(BODY), mallory, clock), BODY, ProblemType.SIGNATURE_INVALID);
    }

    @Test
    void refusesAnUnknownKey() {
        assertRefused(signed(notification(BODY), Ed25519Keys.generate("gamma.test/1"), clock), BODY,
                ProblemType.UNKNOWN_KEY);
    }

    @Test
    void refusesASignatureThatDoesNotCoverTheProfile() throws Exception {
        HttpRequestView request = notification(BODY);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("created", NOW.getEpochSecond());
        params.put("keyid", "alpha.test/1");
        params.put("nonce", "0123456789abcdefghij");
        params.put("alg", "ed25519");
        var fields = HttpSignatures.sign(request, "pmp",
                HttpSignatures.coverage(List.of("@method", "@target-uri", "content-type"), params),
                Ed25519Keys.privateKey(alpha));
        request.header("Signature-Input", fields.signatureInput()).header("Signature", fields.signature());
        assertRefused(request, BODY, ProblemType.SIGNATURE_PROFILE);
    }

    @Test
    void refusesWhenACoveredComponentIsMissingFromTheRequest() {
        HttpRequestView request = signed(notification(BODY), alpha, clock);
        assertRefused(copy(request, "Content-Type", null), BODY, ProblemType.SIGNATURE_INVALID);
    }

    @Test
    void refusesCreatedOutsideTheWindow() {
        Clock stale = Clock.fixed(NOW.minus(Duration.ofMinutes(5)).minusSeconds(1), ZoneOffset.UTC);
        assertRefused(signed(notification(BODY), alpha, stale), BODY, ProblemType.SIGNATURE_EXPIRED);
        Clock future = Clock.fixed(NOW.plusSeconds(31), ZoneOffset.UTC);
        assertRefused(signed(notification(BODY), alpha, future), BODY, ProblemType.SIGNATURE_EXPIRED);
    }

    @Test
    void acceptsCreatedJustInsideTheWindow() throws Exception {
        Clock early = Clock.fixed(NOW.minus(Duration.ofMinutes(5)), ZoneOffset.UTC);
        verifier.verify(signed(notification(BODY), alpha, early), BODY, SignatureProfile.NOTIFICATION, alphaKeys());
    }

    @Test
    void refusesAReusedNonce() throws Exception {
        HttpRequestView request = signed(notification(BODY), alpha, clock);
        verifier.verify(request, BODY, SignatureProfile.NOTIFICATION, alphaKeys());
        assertRefused(request, BODY, ProblemType.NONCE_REUSED);
    }

    @Test
    void aForgedRequestDoesNotBurnTheNonce() throws Exception {
        HttpRequestView genuine = signed(notification(BODY), alpha, clock);
        HttpRequestView forged = copy(genuine, "Content-Type", "text/plain");
        assertRefused(forged, BODY, ProblemType.SIGNATURE_INVALID);
        verifier.verify(genuine, BODY, SignatureProfile.NOTIFICATION, alphaKeys());
    }

    @Test
    void refusesMissingAndMalformedSignatureFields() {
        HttpRequestView signedRequest = signed(notification(BODY), alpha, clock);
        assertRefused(notification(BODY), BODY, ProblemType.SIGNATURE_MISSING);
        for (String garbage : new String[] {"pmp=(\"@method\"", "pmp=:%%%:", "pmp", "PMP=1", "pmp=(@method)"}) {
            assertRefused(copy(signedRequest, "Signature-Input", garbage), BODY, ProblemType.SIGNATURE_MALFORMED);
        }
        assertRefused(copy(signedRequest, "Signature-Input", signedRequest.firstHeader("Signature-Input")
                .replaceAll("created=\\d+", "created=soon")), BODY, ProblemType.SIGNATURE_PROFILE);
        assertRefused(copy(signedRequest, "Signature", "pmp=:AAAA"), BODY, ProblemType.SIGNATURE_MALFORMED);
        assertRefused(copy(signedRequest, "Signature", "pmp=\"not bytes\""), BODY, ProblemType.SIGNATURE_MALFORMED);
        assertRefused(copy(signedRequest, "Signature", "other=:AAAA:"), BODY, ProblemType.SIGNATURE_PROFILE);
    }

    @Test
    void refusesAWrongAlgorithmParameter() throws Exception {
        HttpRequestView request = notification(BODY);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("created", NOW.getEpochSecond());
        params.put("keyid", "alpha.test/1");
        params.put("nonce", "0123456789abcdefghij");
        params.put("alg", "rsa-pss-sha512");
        var fields = HttpSignatures.sign(request, "pmp",
                HttpSignatures.coverage(SignatureProfile.NOTIFICATION.components(), params), Ed25519Keys.privateKey(alpha));
        request.header("Signature-Input", fields.signatureInput()).header("Signature", fields.signature());
        assertRefused(request, BODY, ProblemType.SIGNATURE_PROFILE);
    }

    @Test
    void publicKeyRoundTripsThroughJwk() throws Exception {
        PublicKey key = Ed25519Keys.publicKey(Ed25519Keys.parse(alpha.toPublicJWK().toJSONString()));
        assertThat(key.getAlgorithm()).isIn("EdDSA", "Ed25519");
    }
}
