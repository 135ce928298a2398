package org.pullmail.bridge.legacy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

import org.pullmail.protocol.http.ContentDigest;

/** Capability tokens of legacy mail (PROTOCOL.md 1): 32 random bytes, base64url; only their SHA-256 is kept. */
public final class CapabilityTokens {

    private static final SecureRandom RANDOM = new SecureRandom();

    private CapabilityTokens() {
    }

    public static String generate() {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    public static byte[] hash(String token) {
        return ContentDigest.newSha256().digest(token.getBytes(StandardCharsets.US_ASCII));
    }
}
