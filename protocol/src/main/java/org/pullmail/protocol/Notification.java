package org.pullmail.protocol;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The "knock": at most {@link Pmp#MAX_NOTIFICATION_BYTES} bytes of JSON announcing one message to
 * recipients in one domain (several notifications, each with its own id, when they do not all fit).
 * Each recipient carries its own capability token.
 */
public record Notification(String id, String from, List<Recipient> recipients, String subject, long size,
        String digest, String fetchUrl, Instant sentAt, Instant expiresAt, Bridged bridged) {

    /** A notification of mail sent by a user of the signing domain: no {@code bridged} member. */
    public Notification(String id, String from, List<Recipient> recipients, String subject, long size,
            String digest, String fetchUrl, Instant sentAt, Instant expiresAt) {
        this(id, from, recipients, subject, size, digest, fetchUrl, sentAt, expiresAt, null);
    }

    /**
     * Whether {@code from} is proven: always for PMP/1 mail (its domain signed), for mail bridged from SMTP only
     * when DMARC passed (PROTOCOL.md 3.6). What is counted against a sender or its domain (reputation, per-domain
     * limits) is counted only for a proven sender: forged mail must not spend a real domain's standing.
     */
    public boolean senderProven() {
        return bridged == null || bridged.senderProven();
    }

    /**
     * The domain whose key must have signed this notification (PROTOCOL.md 3.3 step 5) and under whose
     * {@code fetch_base} its {@code fetch_url} lies (step 9): the domain of {@code from}, or for mail bridged
     * from SMTP (3.6) the receiving domain itself.
     */
    public String signingDomain(String receivingDomain) {
        return bridged == null ? senderDomain() : receivingDomain;
    }

    /**
     * A recipient in the notified domain and the capability that lets its domain fetch.
     *
     * @param replies reply hints (PROTOCOL.md 3.5): the message answers mail this recipient sent; optional
     */
    public record Recipient(String address, String token, List<String> replies) {

        /** A recipient without reply hints. */
        public Recipient(String address, String token) {
            this(address, token, null);
        }

        /** The reply hints, none when absent. */
        public List<String> replyHints() {
            return replies == null ? List.of() : replies;
        }
    }

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._~-]{1,128}");
    /** 32 random bytes, base64url without padding. */
    public static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Pattern SHA256_FIELD = Pattern.compile("sha-256=:[A-Za-z0-9+/]{43}=:");

    /**
     * Checks every field's type and limit; the receiver runs this before anything else. Whether the
     * recipients belong to the receiving domain is the receiver's check ({@link #allRecipientsIn}), so
     * that a foreign recipient is refused as {@code foreign-recipient} whether or not the list mixes domains.
     */
    public Notification validate() throws ProtocolException {
        require(id != null && ID.matcher(id).matches(), "id must be 1 to 128 URL-safe characters");
        require(Addresses.isValid(from), "from must be a mail address with a lowercase domain");
        require(recipients != null && !recipients.isEmpty(), "recipients must not be empty");
        require(recipients.size() <= Pmp.MAX_RECIPIENTS_PER_NOTIFICATION,
                "at most " + Pmp.MAX_RECIPIENTS_PER_NOTIFICATION + " recipients per notification");
        Set<String> addresses = new HashSet<>();
        for (Recipient r : recipients) {
            require(r != null && Addresses.isValid(r.address()), "each recipient needs a valid address");
            require(r.token() != null && TOKEN.matcher(r.token()).matches(),
                    "each recipient needs a 43-character base64url token");
            require(addresses.add(r.address()), "recipient " + r.address() + " is listed twice");
            require(r.replies() == null || r.replies().size() <= Pmp.MAX_REPLY_HINTS,
                    "each recipient has at most " + Pmp.MAX_REPLY_HINTS + " reply hints");
            require(r.replies() == null || r.replies().stream().allMatch(ReplyHint::isWellFormed),
                    "a reply hint is 22 base64url characters");
        }
        require(subject == null || subject.codePointCount(0, subject.length()) <= Pmp.MAX_SUBJECT_CHARS,
                "subject is a preview of at most " + Pmp.MAX_SUBJECT_CHARS + " characters");
        require(subject == null || !hasControlCharacters(subject),
                "subject must not contain control characters (U+0000 to U+001F other than tab, U+007F)");
        require(size >= 0, "size must not be negative");
        require(digest != null && SHA256_FIELD.matcher(digest).matches(),
                "digest must be an RFC 9530 sha-256 value, like sha-256=:…=:");
        require(fetchUrl != null && isHttpUrl(fetchUrl), "fetch_url must be an absolute http(s) URL");
        require(sentAt != null && expiresAt != null, "sent_at and expires_at are required");
        require(expiresAt.isAfter(sentAt), "expires_at must be after sent_at");
        if (bridged != null) {
            bridged.validate();
        }
        return this;
    }

    /** True when every recipient's address is in {@code domain} (PROTOCOL.md 3.3, foreign-recipient). */
    public boolean allRecipientsIn(String domain) {
        return recipients.stream().allMatch(r -> Addresses.domainOf(r.address()).equalsIgnoreCase(domain));
    }

    /** The domain of the first recipient: the domain of them all once {@link #allRecipientsIn} holds for it. */
    public String recipientDomain() {
        return Addresses.domainOf(recipients.get(0).address());
    }

    public String senderDomain() {
        return Addresses.domainOf(from);
    }

    /** C0 controls other than tab, and DEL: never part of a subject a person reads (NUL cannot even be stored). */
    public static boolean hasControlCharacters(String text) {
        return text.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f);
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = new URI(url);
            return uri.isAbsolute() && uri.getHost() != null
                    && ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static void require(boolean condition, String why) throws ProtocolException {
        if (!condition) {
            throw new ProtocolException(ProblemType.INVALID_NOTIFICATION, why);
        }
    }
}
