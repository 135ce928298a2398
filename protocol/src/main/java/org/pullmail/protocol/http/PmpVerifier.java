package org.pullmail.protocol.http;

import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;

import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.StructuredFields.InnerList;
import org.pullmail.protocol.http.StructuredFields.Item;
import org.pullmail.protocol.http.StructuredFields.Member;

/**
 * Verifies a PMP/1 request signature: the profile's components are covered, {@code created} lies in
 * the window, {@code alg} is ed25519, the key is the signer domain's, the Ed25519 signature holds,
 * the nonce is fresh and (for requests with a body) the body matches its Content-Digest.
 * The nonce is recorded only after the signature verifies, so forged requests cannot fill the store.
 */
public final class PmpVerifier {

    /** Finds a public key of the domain the request must come from. */
    @FunctionalInterface
    public interface KeyLookup {
        /** Returns the key, or throws {@link ProblemType#UNKNOWN_KEY} (or DISCOVERY_FAILED). */
        PublicKey find(String keyId) throws ProtocolException;
    }

    /** What a verified signature establishes. */
    public record VerifiedSignature(String keyId, Instant created, String nonce) {
    }

    private final Clock clock;
    private final NonceStore nonces;

    public PmpVerifier(Clock clock, NonceStore nonces) {
        this.clock = clock;
        this.nonces = nonces;
    }

    public VerifiedSignature verify(HttpRequestView request, byte[] body, SignatureProfile profile, KeyLookup keys)
            throws ProtocolException {
        String inputField = request.firstHeader(HttpSignatures.SIGNATURE_INPUT);
        String signatureField = request.firstHeader(HttpSignatures.SIGNATURE);
        if (inputField == null || signatureField == null) {
            throw new ProtocolException(ProblemType.SIGNATURE_MISSING,
                    "PMP/1 requests carry Signature-Input and Signature (RFC 9421)");
        }
        Map<String, Member> inputs = StructuredFields.parseDictionary(inputField);
        Map<String, Member> signatures = StructuredFields.parseDictionary(signatureField);
        Member input = inputs.get(Pmp.SIGNATURE_LABEL);
        Member signature = signatures.get(Pmp.SIGNATURE_LABEL);
        if (input == null || signature == null) {
            throw new ProtocolException(ProblemType.SIGNATURE_PROFILE,
                    "no signature labelled \"" + Pmp.SIGNATURE_LABEL + "\"");
        }
        if (!(input instanceof InnerList coverage)) {
            throw new ProtocolException(ProblemType.SIGNATURE_MALFORMED, "Signature-Input must be an inner list");
        }
        if (!(signature instanceof Item sigItem) || !(sigItem.value() instanceof byte[] signatureBytes)) {
            throw new ProtocolException(ProblemType.SIGNATURE_MALFORMED, "Signature must be a byte sequence");
        }
        for (String required : profile.components()) {
            boolean covered = coverage.items().stream().anyMatch(i -> required.equals(i.value()));
            if (!covered) {
                throw new ProtocolException(ProblemType.SIGNATURE_PROFILE,
                        "the signature must cover " + required);
            }
        }
        Map<String, Object> params = coverage.params();
        if (!(params.get("created") instanceof Long created)) {
            throw new ProtocolException(ProblemType.SIGNATURE_PROFILE, "created must be an integer");
        }
        if (!(params.get("keyid") instanceof String keyId) || keyId.isEmpty()) {
            throw new ProtocolException(ProblemType.SIGNATURE_PROFILE, "keyid must be a string");
        }
        if (!(params.get("nonce") instanceof String nonce) || nonce.length() < 16 || nonce.length() > 128) {
            throw new ProtocolException(ProblemType.SIGNATURE_PROFILE, "nonce must be a string of 16 to 128 characters");
        }
        if (!Pmp.SIGNATURE_ALG.equals(params.get("alg"))) {
            throw new ProtocolException(ProblemType.SIGNATURE_PROFILE, "alg must be \"ed25519\"");
        }
        Instant now = clock.instant();
        Instant createdAt = Instant.ofEpochSecond(created);
        if (createdAt.isBefore(now.minus(Pmp.MAX_SIGNATURE_AGE)) || createdAt.isAfter(now.plus(Pmp.MAX_CLOCK_AHEAD))) {
            throw new ProtocolException(ProblemType.SIGNATURE_EXPIRED,
                    "created " + createdAt + " is outside the accepted window around " + now);
        }
        if (params.get("expires") instanceof Long expires && Instant.ofEpochSecond(expires).isBefore(now)) {
            throw new ProtocolException(ProblemType.SIGNATURE_EXPIRED, "the signature expired");
        }
        PublicKey key = keys.find(keyId);
        if (!HttpSignatures.verify(request, coverage, signatureBytes, key)) {
            throw new ProtocolException(ProblemType.SIGNATURE_INVALID, "the signature does not verify with key " + keyId);
        }
        if (profile.coversBody()) {
            ContentDigest.verify(request.firstHeader("content-digest"), body == null ? new byte[0] : body);
        }
        Instant forgetAfter = createdAt.plus(Pmp.MAX_SIGNATURE_AGE).plus(Pmp.MAX_CLOCK_AHEAD);
        switch (nonces.use(keyId, nonce, createdAt, forgetAfter)) {
            case FIRST -> {
            }
            case REPEATED -> throw new ProtocolException(ProblemType.NONCE_REUSED,
                    "nonce already used: the request is a replay");
            case UNKNOWABLE -> throw new ProtocolException(ProblemType.TEMPORARILY_UNAVAILABLE,
                    "this domain's record of used nonces was reset after the request was signed; sign it afresh");
        }
        return new VerifiedSignature(keyId, createdAt, nonce);
    }
}
