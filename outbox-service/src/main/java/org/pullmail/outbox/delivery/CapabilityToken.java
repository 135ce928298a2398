package org.pullmail.outbox.delivery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import org.pullmail.protocol.Notification;
import org.pullmail.protocol.http.ContentDigest;

/** A recipient's 256-bit capability to fetch one message. Only its SHA-256 is ever stored. */
public record CapabilityToken(String value) {

    private static final SecureRandom RANDOM = new SecureRandom();

    public static CapabilityToken generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return new CapabilityToken(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    public static boolean isWellFormed(String value) {
        return value != null && Notification.TOKEN.matcher(value).matches();
    }

    public byte[] hash() {
        return hash(value);
    }

    public static byte[] hash(String value) {
        MessageDigest sha256 = ContentDigest.newSha256();
        return sha256.digest(value.getBytes(StandardCharsets.US_ASCII));
    }
}
