package org.pullmail.protocol;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/** Constants of PMP/1 that both sides must agree on. */
public final class Pmp {

    public static final String PROTOCOL = "pmp/1";
    public static final String WELL_KNOWN_PATH = "/.well-known/pullmail";
    public static final String NOTIFY_PATH = "/pmp/v1/notifications";
    public static final String FETCH_PATH = "/pmp/v1/messages";
    /** Appended to a fetch_url's path to give the URL its status reports go to. */
    public static final String STATUS_PATH_SUFFIX = "/status";

    /** Largest notification body a receiver must accept. */
    public static final int MAX_NOTIFICATION_BYTES = 4096;
    /** Longest subject preview, in Unicode code points. */
    public static final int MAX_SUBJECT_CHARS = 200;
    public static final int MAX_RECIPIENTS_PER_NOTIFICATION = 100;
    /** Most reply hints one recipient of a notification may carry (PROTOCOL.md 3.5). */
    public static final int MAX_REPLY_HINTS = 3;
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

    /**
     * True when a Content-Type names exactly {@code application/json}, with or without parameters
     * ({@code application/json; charset=utf-8}), in any case: notifications and status reports are
     * refused with 415 otherwise (PROTOCOL.md 3.3, 5.2), {@code application/jsonx} included.
     */
    public static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return type.equalsIgnoreCase(MEDIA_TYPE_JSON);
    }

    /**
     * {@code {fetch_url}/status} (PROTOCOL.md 5.1): the fetch_url with {@code /status} appended to its
     * <em>path</em>, its query kept and its fragment (never sent anyway) dropped, so that
     * {@code https://a.example/m/1?v=2} reports to {@code https://a.example/m/1/status?v=2}. Both sides
     * build the URL with this, because the signature covers it exactly.
     *
     * @throws IllegalArgumentException when {@code fetchUrl} is not an absolute URL
     */
    public static String statusUrl(String fetchUrl) {
        URI uri;
        try {
            uri = new URI(fetchUrl);
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalArgumentException("not a fetch_url: " + fetchUrl, e);
        }
        if (!uri.isAbsolute() || uri.isOpaque() || uri.getRawAuthority() == null) {
            throw new IllegalArgumentException("a fetch_url is an absolute URL with a host: " + fetchUrl);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        return uri.getScheme() + "://" + uri.getRawAuthority() + path + STATUS_PATH_SUFFIX
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }
}
