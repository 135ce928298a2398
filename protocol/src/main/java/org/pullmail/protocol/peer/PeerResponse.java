package org.pullmail.protocol.peer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Another domain's answer, read within the exchange's deadline and byte bound.
 *
 * @param headers   header fields by name, case-insensitively
 * @param body      at most the bound that was asked for
 * @param truncated true when the body went on beyond that bound (the rest was not read)
 */
public record PeerResponse(int status, Map<String, List<String>> headers, byte[] body, boolean truncated) {

    public Optional<String> header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The body as UTF-8 text, for problem details and receipts. */
    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
