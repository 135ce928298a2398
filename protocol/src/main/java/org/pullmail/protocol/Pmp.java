package org.pullmail.protocol;

import java.time.Duration;

/** Constants of PMP/1 that both sides must agree on. */
public final class Pmp {

    public static final String PROTOCOL = "pmp/1";
    public static final String WELL_KNOWN_PATH = "/.well-known/pullmail";
    public static final String NOTIFY_PATH = "/pmp/v1/notifications";
    public static final String FETCH_PATH = "/pmp/v1/messages";

    /** Largest notification body a receiver must accept. */
    public static final int MAX_NOTIFICATION_BYTES = 4096;
    /** Longest subject preview, in Unicode code points. */
    public static final int MAX_SUBJECT_CHARS = 200;
    public static final int MAX_RECIPIENTS_PER_NOTIFICATION = 100;
    /** Largest discovery document a client reads. */
    public static final int MAX_DISCOVERY_BYTES = 64 * 1024;

    /** The signature label PMP/1 uses in Signature-Input and Signature. */
    public static final String SIGNATURE_LABEL = "pmp";
    public static final String SIGNATURE_ALG = "ed25519";
    public static final String CAPABILITY_SCHEME = "PMP-Capability";

    /** A signature whose {@code created} is older than this is refused. */
    public static final Duration MAX_SIGNATURE_AGE = Duration.ofMinutes(5);
    /** A signature whose {@code created} lies further in the future than this is refused. */
    public static final Duration MAX_CLOCK_AHEAD = Duration.ofSeconds(30);

    /** Bounds on how long a discovery document is cached, whatever Cache-Control says. */
    public static final Duration MIN_DISCOVERY_TTL = Duration.ofMinutes(1);
    public static final Duration MAX_DISCOVERY_TTL = Duration.ofHours(24);
    public static final Duration DEFAULT_DISCOVERY_TTL = Duration.ofHours(1);

    public static final String MEDIA_TYPE_JSON = "application/json";
    public static final String MEDIA_TYPE_MESSAGE = "message/rfc822";
    public static final String MEDIA_TYPE_PROBLEM = "application/problem+json";

    private Pmp() {
    }
}
