package org.pullmail.conformance;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.jwk.OctetKeyPair;

import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.Ed25519Keys;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.HttpSignatures;
import org.pullmail.protocol.http.PmpSigner;
import org.pullmail.protocol.http.SignatureProfile;

/**
 * How to sign one request: with which key and profile, and, for the refusal checks, in which single
 * way to break PMP/1's signature profile (section 6): an old {@code created}, too few covered
 * components, another algorithm or label. A proper signature is made by the protocol library's
 * {@link PmpSigner}, exactly as a Pullmail domain signs.
 *
 * @param coverage the covered components when they differ from the profile's, else null
 * @param age      how long ago the signature claims to be made (negative: in the future)
 */
record Signature(OctetKeyPair key, SignatureProfile profile, List<String> coverage, Duration age, String alg,
        String label) {

    private static final SecureRandom RANDOM = new SecureRandom();

    static Signature of(OctetKeyPair key, SignatureProfile profile) {
        return new Signature(key, profile, null, Duration.ZERO, Pmp.SIGNATURE_ALG, Pmp.SIGNATURE_LABEL);
    }

    Signature aged(Duration claimedAge) {
        return new Signature(key, profile, coverage, claimedAge, alg, label);
    }

    Signature covering(List<String> components) {
        return new Signature(key, profile, components, age, alg, label);
    }

    Signature alg(String algorithm) {
        return new Signature(key, profile, coverage, age, algorithm, label);
    }

    Signature label(String signatureLabel) {
        return new Signature(key, profile, coverage, age, alg, signatureLabel);
    }

    HttpSignatures.SignatureFields fields(HttpRequestView request) {
        Clock clock = Clock.offset(Clock.systemUTC(), age.negated());
        if (coverage == null && Pmp.SIGNATURE_ALG.equals(alg) && Pmp.SIGNATURE_LABEL.equals(label)) {
            return new PmpSigner(key, clock).sign(request, profile);
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("created", clock.instant().getEpochSecond());
        params.put("keyid", key.getKeyID());
        params.put("nonce", nonce());
        params.put("alg", alg);
        try {
            return HttpSignatures.sign(request, label,
                    HttpSignatures.coverage(coverage == null ? profile.components() : coverage, params),
                    Ed25519Keys.privateKey(key));
        } catch (ProtocolException e) {
            throw new IllegalStateException("the request lacks a component the signature covers: " + e.detail(), e);
        }
    }

    private static String nonce() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
