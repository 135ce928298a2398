package org.pullmail.protocol.http;

import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import com.nimbusds.jose.jwk.OctetKeyPair;

import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProtocolException;

/** Signs PMP/1 requests with one of the domain's Ed25519 keys. Thread-safe. */
public final class PmpSigner {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String keyId;
    private final PrivateKey key;
    private final Clock clock;

    public PmpSigner(OctetKeyPair jwk, Clock clock) {
        this.keyId = jwk.getKeyID();
        this.key = Ed25519Keys.privateKey(jwk);
        this.clock = clock;
        if (keyId == null || keyId.isBlank() || !StructuredFields.isSfString(keyId)) {
            throw new IllegalArgumentException("a signing JWK needs a printable ASCII kid");
        }
    }

    public String keyId() {
        return keyId;
    }

    /**
     * Signs the request. The caller must already have set every header the profile covers
     * (Content-Type, Content-Digest, Authorization) on {@code request} and must send them unchanged.
     */
    public HttpSignatures.SignatureFields sign(HttpRequestView request, SignatureProfile profile) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("created", clock.instant().getEpochSecond());
        params.put("keyid", keyId);
        params.put("nonce", newNonce());
        params.put("alg", Pmp.SIGNATURE_ALG);
        try {
            return HttpSignatures.sign(request, Pmp.SIGNATURE_LABEL,
                    HttpSignatures.coverage(profile.components(), params), key);
        } catch (ProtocolException e) {
            throw new IllegalArgumentException("the request lacks a component its profile covers: " + e.detail(), e);
        }
    }

    private static String newNonce() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
