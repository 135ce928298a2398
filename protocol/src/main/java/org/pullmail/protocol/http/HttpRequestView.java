package org.pullmail.protocol.http;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What RFC 9421 needs to see of a request: its method, the target URI as the signer addressed it,
 * and its header fields (names compared case-insensitively, repeated lines kept in order).
 *
 * <p>A receiver behind a proxy must build the view with its <em>public</em> target URI (the
 * {@code notify_url} or {@code fetch_url} it published), not the address the proxy forwarded to.
 */
public final class HttpRequestView {

    private final String method;
    private final URI targetUri;
    private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

    public HttpRequestView(String method, URI targetUri) {
        this.method = method.toUpperCase(Locale.ROOT);
        this.targetUri = targetUri;
    }

    public HttpRequestView header(String name, String value) {
        if (value != null) {
            headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return this;
    }

    public HttpRequestView headers(Map<String, List<String>> all) {
        all.forEach((name, values) -> values.forEach(v -> header(name, v)));
        return this;
    }

    public String method() {
        return method;
    }

    public URI targetUri() {
        return targetUri;
    }

    /** All lines of a field, or an empty list. */
    public List<String> header(String name) {
        return headers.getOrDefault(name, List.of());
    }

    /** The field's single value (lines joined as RFC 9110 combines them), or null. */
    public String firstHeader(String name) {
        List<String> values = header(name);
        return values.isEmpty() ? null : String.join(", ", values);
    }
}
