package org.pullmail.protocol.http;

import java.util.List;

/** Which components each PMP/1 request must cover (PROTOCOL.md, "Signatures"). */
public enum SignatureProfile {
    /** A notification POSTed to a recipient domain's notify_url. */
    NOTIFICATION(List.of("@method", "@target-uri", "content-type", "content-digest")),
    /** A fetch: the capability token travels in Authorization, so the signature binds it. */
    FETCH(List.of("@method", "@target-uri", "authorization")),
    /** A status report POSTed to {fetch_url}/status. */
    STATUS(List.of("@method", "@target-uri", "authorization", "content-type", "content-digest"));

    private final List<String> components;

    SignatureProfile(List<String> components) {
        this.components = components;
    }

    public List<String> components() {
        return components;
    }

    public boolean coversBody() {
        return components.contains("content-digest");
    }
}
