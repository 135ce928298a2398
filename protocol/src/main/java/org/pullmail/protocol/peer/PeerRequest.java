package org.pullmail.protocol.peer;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** One request to another domain: method, URL, header fields in order, and a body or none. */
public record PeerRequest(String method, URI uri, Map<String, String> headers, byte[] body) {

    public PeerRequest {
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    public static PeerRequest get(URI uri, Map<String, String> headers) {
        return new PeerRequest("GET", uri, headers, null);
    }

    public static PeerRequest post(URI uri, Map<String, String> headers, byte[] body) {
        return new PeerRequest("POST", uri, headers, body);
    }
}
