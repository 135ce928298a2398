package org.pullmail.protocol.http;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;

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
        } catch (java.text.ParseException e) {
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
