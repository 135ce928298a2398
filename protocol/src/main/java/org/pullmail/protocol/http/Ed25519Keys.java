package org.pullmail.protocol.http;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Supplier;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;

import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;

/**
 * Ed25519 keys as JWKs ({@code kty: OKP, crv: Ed25519}, RFC 8037). Nimbus parses and writes the JWKs;
 * the JDK's EdDSA provider signs and verifies, so no further crypto library is needed. The JDK takes
 * raw Ed25519 keys only inside their fixed DER wrappers (RFC 8410), which are prepended here.
 */
public final class Ed25519Keys {

    private static final byte[] X509_PREFIX = hex("302a300506032b6570032100");
    private static final byte[] PKCS8_PREFIX = hex("302e020100300506032b657004220420");

    private Ed25519Keys() {
    }

    /** A new key pair as a private JWK with the given key id. */
    public static OctetKeyPair generate(String kid) {
        try {
            var pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] x = tail(pair.getPublic().getEncoded());
            byte[] d = tail(pair.getPrivate().getEncoded());
            return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x))
                    .d(Base64URL.encode(d)).keyID(kid).keyUse(KeyUse.SIGNATURE).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is required of every Java 15+ platform", e);
        }
    }

    /** Parses a JWK and insists that it is an Ed25519 key. */
    public static OctetKeyPair parse(String jwkJson) throws ProtocolException {
        try {
            return requireEd25519(JWK.parse(jwkJson));
        } catch (ParseException e) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "not a JWK: " + e.getMessage(), e);
        }
    }

    public static OctetKeyPair requireEd25519(JWK jwk) throws ProtocolException {
        if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
            return okp;
        }
        throw new ProtocolException(ProblemType.UNKNOWN_KEY, "key " + jwk.getKeyID() + " is not an Ed25519 key");
    }

    public static PublicKey publicKey(OctetKeyPair jwk) throws ProtocolException {
        byte[] x = jwk.getDecodedX();
        if (x == null || x.length != 32) {
            throw new ProtocolException(ProblemType.UNKNOWN_KEY, "an Ed25519 public key is 32 bytes");
        }
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(X509_PREFIX, x)));
        } catch (GeneralSecurityException e) {
            throw new ProtocolException(ProblemType.UNKNOWN_KEY, "unusable Ed25519 public key", e);
        }
    }

    public static PrivateKey privateKey(OctetKeyPair jwk) {
        byte[] d = jwk.getDecodedD();
        if (d == null || d.length != 32) {
            throw new IllegalArgumentException("the JWK " + jwk.getKeyID() + " has no Ed25519 private part");
        }
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(concat(PKCS8_PREFIX, d)));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("unusable Ed25519 private key " + jwk.getKeyID(), e);
        }
    }

    /**
     * Keys already converted for the Ed25519 arithmetic, each kept as long as the key itself is in use (a
     * signer's own key, the keys of a cached discovery document); a retired key is forgotten with it.
     */
    private static final Map<Key, AsymmetricKeyParameter> CONVERTED = Collections.synchronizedMap(new WeakHashMap<>());

    /** The private key as the signing arithmetic takes it (its public half derived once and kept). */
    static Ed25519PrivateKeyParameters signing(PrivateKey key) {
        return (Ed25519PrivateKeyParameters) converted(key, () -> {
            byte[] seed = key instanceof EdECPrivateKey ed ? ed.getBytes().orElse(null) : null;
            if (seed == null || seed.length != 32) {
                throw new IllegalArgumentException("not an Ed25519 private key: " + key.getAlgorithm());
            }
            return new Ed25519PrivateKeyParameters(seed, 0);
        });
    }

    /** The public key as the verifying arithmetic takes it (its point decoded once and kept). */
    static Ed25519PublicKeyParameters verifying(PublicKey key) throws ProtocolException {
        AsymmetricKeyParameter known = CONVERTED.get(key);
        if (known instanceof Ed25519PublicKeyParameters verified) {
            return verified;
        }
        byte[] encoded = key.getEncoded();
        if (!"EdDSA".equals(key.getAlgorithm()) && !"Ed25519".equals(key.getAlgorithm())
                || encoded == null || encoded.length != X509_PREFIX.length + 32
                || !Arrays.equals(encoded, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
            throw new ProtocolException(ProblemType.UNKNOWN_KEY, "the key cannot verify Ed25519 signatures");
        }
        try {
            return (Ed25519PublicKeyParameters) converted(key,
                    () -> new Ed25519PublicKeyParameters(encoded, X509_PREFIX.length));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ProblemType.UNKNOWN_KEY, "unusable Ed25519 public key", e);
        }
    }

    private static AsymmetricKeyParameter converted(Key key, Supplier<AsymmetricKeyParameter> convert) {
        AsymmetricKeyParameter known = CONVERTED.get(key);
        if (known != null) {
            return known;
        }
        AsymmetricKeyParameter fresh = convert.get();
        CONVERTED.put(key, fresh);
        return fresh;
    }

    private static byte[] tail(byte[] encoded) {
        return Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] hex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
