package org.pullmail.protocol;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A reply hint (PROTOCOL.md 3.5): tells a recipient's domain that a message answers mail that recipient sent,
 * without naming the thread to anyone who does not know it. The hint is HMAC-SHA-256 keyed with the referenced
 * Message-ID, over the recipient's address, cut to 16 bytes, base64url: only a domain that knows the Message-ID
 * (the original sender's, and the other original recipients') can check it, and each recipient gets another
 * hint for the same thread, so hints cannot be matched across recipients.
 */
public final class ReplyHint {

    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9_-]{22}");
    private static final int BYTES = 16;

    private ReplyHint() {
    }

    /**
     * The hint that a message referring to {@code messageId} (with or without angle brackets) carries for
     * {@code recipient}, the address as the notification lists it.
     */
    public static String of(String messageId, String recipient) {
        byte[] key = bare(messageId).getBytes(StandardCharsets.UTF_8);
        if (key.length == 0) {
            throw new IllegalArgumentException("a Message-ID is needed");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] full = mac.doFinal(recipient.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(full, BYTES));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA-256 is part of every Java runtime", e);
        }
    }

    public static boolean isWellFormed(String hint) {
        return hint != null && WELL_FORMED.matcher(hint).matches();
    }

    /** A Message-ID as the key: the id between its angle brackets, surrounding white space removed. */
    public static String bare(String messageId) {
        String id = messageId.strip();
        if (id.startsWith("<") && id.endsWith(">")) {
            id = id.substring(1, id.length() - 1).strip();
        }
        return id;
    }

    /**
     * The Message-IDs a reply refers to, most telling first: its In-Reply-To, then the last entries of its
     * References, at most {@link Pmp#MAX_REPLY_HINTS}, no id twice. Either header may be null.
     */
    public static List<String> referenced(String inReplyTo, String references) {
        List<String> ids = new ArrayList<>();
        addIds(ids, inReplyTo, false);
        addIds(ids, references, true);
        return ids.size() > Pmp.MAX_REPLY_HINTS ? ids.subList(0, Pmp.MAX_REPLY_HINTS) : ids;
    }

    private static void addIds(List<String> ids, String header, boolean lastFirst) {
        if (header == null) {
            return;
        }
        List<String> found = new ArrayList<>();
        int at = 0;
        while (true) {
            int open = header.indexOf('<', at);
            int close = open < 0 ? -1 : header.indexOf('>', open);
            if (close < 0) {
                break;
            }
            String id = bare(header.substring(open, close + 1));
            if (!id.isEmpty()) {
                found.add(id);
            }
            at = close + 1;
        }
        if (lastFirst) {
            Collections.reverse(found);
        }
        for (String id : found) {
            if (!ids.contains(id)) {
                ids.add(id);
            }
        }
    }
}
