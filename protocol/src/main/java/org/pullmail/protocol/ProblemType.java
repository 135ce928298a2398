package org.pullmail.protocol;

import java.net.URI;

/**
 * Every RFC 9457 problem type of PMP/1 (PROTOCOL.md, "Errors"). The {@code type} URIs are stable:
 * peers branch on them, never on the title or detail text.
 */
public enum ProblemType {
    MALFORMED_REQUEST("malformed-request", 400, "The request is malformed"),
    INVALID_NOTIFICATION("invalid-notification", 400, "The notification is not valid PMP/1"),
    DIGEST_MISMATCH("digest-mismatch", 400, "Content-Digest does not match the body"),
    FETCH_URL_OUTSIDE_BASE("fetch-url-outside-base", 400, "fetch_url does not lie under the sender's fetch_base"),
    FOREIGN_RECIPIENT("foreign-recipient", 400, "A recipient is not in this domain"),
    SIGNATURE_MISSING("signature-missing", 401, "The request is not signed"),
    SIGNATURE_MALFORMED("signature-malformed", 401, "Signature or Signature-Input cannot be parsed"),
    SIGNATURE_INVALID("signature-invalid", 401, "The signature does not verify"),
    SIGNATURE_PROFILE("signature-profile", 401, "The signature does not follow the PMP/1 profile"),
    UNKNOWN_KEY("unknown-key", 401, "The signing key is not published by the signer's domain"),
    SIGNATURE_EXPIRED("signature-expired", 401, "The signature's created time is outside the allowed window"),
    NONCE_REUSED("nonce-reused", 401, "The signature's nonce was already used"),
    CAPABILITY_MISSING("capability-missing", 401, "No PMP-Capability token was presented"),
    CAPABILITY_INVALID("capability-invalid", 403, "The capability token does not grant this message"),
    WRONG_DOMAIN("wrong-domain", 403, "The signer's domain is not the recipient's domain"),
    NOT_FOUND("not-found", 404, "No such message"),
    STATUS_CONFLICT("status-conflict", 409, "The reported status cannot follow the delivery's current state"),
    RECALLED("recalled", 410, "The sender recalled the message"),
    EXPIRED("expired", 410, "The message expired before it was fetched"),
    ALREADY_STORED("already-stored", 410, "The recipient's domain stored the message and its grace period is over"),
    TOO_LARGE("too-large", 413, "The request body is too large"),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", 415, "The content type is not accepted here"),
    RATE_LIMITED("rate-limited", 429, "Too many requests"),
    TEMPORARILY_UNAVAILABLE("temporarily-unavailable", 503, "Try again with a fresh signature"),
    DISCOVERY_FAILED("discovery-failed", 502, "The peer domain's discovery document could not be used");

    /** Prefix of every PMP/1 problem type URI. */
    public static final String BASE = "https://pullmail.org/problems/";

    private final String slug;
    private final int status;
    private final String title;

    ProblemType(String slug, int status, String title) {
        this.slug = slug;
        this.status = status;
        this.title = title;
    }

    public URI uri() {
        return URI.create(BASE + slug);
    }

    public String slug() {
        return slug;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }
}
