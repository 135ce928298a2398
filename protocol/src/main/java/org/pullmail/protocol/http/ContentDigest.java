package org.pullmail.protocol.http;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;

/**
 * RFC 9530 {@code Content-Digest}. PMP/1 senders always send {@code sha-256}; receivers also accept
 * {@code sha-512}, ignore algorithms they do not know, and refuse a field with no known algorithm.
 */
public final class ContentDigest {

    private ContentDigest() {
    }

    /** The field value for {@code body}, e.g. {@code sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:}. */
    public static String sha256(byte[] body) {
        return fieldValue("sha-256", digest("SHA-256", body));
    }

    /** The field value for a digest computed elsewhere, for instance while streaming a large body. */
    public static String fieldValue(String algorithm, byte[] digest) {
        return algorithm + "=:" + Base64.getEncoder().encodeToString(digest) + ":";
    }

    /** A fresh SHA-256 digest to feed a streamed body through. */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /** Checks {@code body} against a Content-Digest field value. */
    public static void verify(String field, byte[] body) throws ProtocolException {
        Map<String, StructuredFields.Member> dictionary = parse(field);
        boolean checked = false;
        for (var entry : dictionary.entrySet()) {
            String jca = jcaName(entry.getKey());
            if (jca == null) {
                continue;
            }
            byte[] expected = bytesOf(entry.getValue());
            if (!MessageDigest.isEqual(expected, digest(jca, body))) {
                throw new ProtocolException(ProblemType.DIGEST_MISMATCH,
                        "the body does not match its " + entry.getKey() + " Content-Digest");
            }
            checked = true;
        }
        if (!checked) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST,
                    "Content-Digest names no supported algorithm (sha-256, sha-512)");
        }
    }

    /** The sha-256 value of a field, for comparing a notified digest with a computed one. */
    public static byte[] sha256Of(String field) throws ProtocolException {
        StructuredFields.Member member = parse(field).get("sha-256");
        if (member == null) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "the digest has no sha-256 value");
        }
        byte[] value = bytesOf(member);
        if (value.length != 32) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "a sha-256 digest is 32 bytes");
        }
        return value;
    }

    private static Map<String, StructuredFields.Member> parse(String field) throws ProtocolException {
        if (field == null || field.isBlank()) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "Content-Digest is missing");
        }
        try {
            return StructuredFields.parseDictionary(field);
        } catch (ProtocolException e) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "Content-Digest: " + e.detail(), e);
        }
    }

    private static byte[] bytesOf(StructuredFields.Member member) throws ProtocolException {
        if (member instanceof StructuredFields.Item item && item.value() instanceof byte[] bytes) {
            return bytes;
        }
        throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "a Content-Digest value must be a byte sequence");
    }

    private static String jcaName(String algorithm) {
        return switch (algorithm) {
            case "sha-256" -> "SHA-256";
            case "sha-512" -> "SHA-512";
            default -> null;
        };
    }

    private static byte[] digest(String jca, byte[] body) {
        try {
            return MessageDigest.getInstance(jca).digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(jca + " is required of every Java platform", e);
        }
    }
}
