package org.pullmail.protocol.http;

import java.net.URI;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import com.nimbusds.jose.jwk.OctetKeyPair;

import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.peer.PeerRequest;

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

    /**
     * A signed request to another domain, built in one place: the given header fields (Authorization,
     * Content-Type, Accept), then for a body its Content-Digest, then the signature over what the profile
     * covers. {@code body} is null for a request without one.
     */
    public PeerRequest request(String method, URI uri, Map<String, String> headers, byte[] body,
            SignatureProfile profile) {
        Map<String, String> fields = new LinkedHashMap<>(headers);
        if (body != null) {
            fields.put("Content-Digest", ContentDigest.sha256(body));
        }
        HttpRequestView view = new HttpRequestView(method, uri);
        fields.forEach(view::header);
        HttpSignatures.SignatureFields signature = sign(view, profile);
        fields.put(HttpSignatures.SIGNATURE_INPUT, signature.signatureInput());
        fields.put(HttpSignatures.SIGNATURE, signature.signature());
        return new PeerRequest(method, uri, fields, body);
    }

    private static String newNonce() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
