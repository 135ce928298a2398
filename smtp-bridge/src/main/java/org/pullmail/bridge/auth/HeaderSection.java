package org.pullmail.bridge.auth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.james.jdkim.api.Headers;

/**
 * The header section of a message as jDKIM verifies it: each field as it came (name, colon, value with its folding
 * CRLFs, no final CRLF), in order. Read off the front of a stream, which is then left at the first byte of the body,
 * so that the body is hashed as it streams past and never held.
 */
public final class HeaderSection implements Headers {

    /** More than any real header section; beyond it nothing is verified, rather than the heap filled. */
    public static final int MAX_BYTES = 1024 * 1024;

    private final List<String> fields;

    HeaderSection(List<String> fields) {
        this.fields = List.copyOf(fields);
    }

    /**
     * Reads fields up to the empty line that ends the section (or the end of the stream); null when the section is
     * larger than {@link #MAX_BYTES}. The stream must have CRLF line ends.
     */
    public static HeaderSection read(InputStream in) throws IOException {
        List<String> fields = new ArrayList<>();
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        long total = 0;
        while (true) {
            line.reset();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.write(b);
                if (++total > MAX_BYTES) {
                    return null;
                }
            }
            byte[] bytes = line.toByteArray();
            int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
            if (length == 0) {
                break; // the empty line (or the end): the body follows
            }
            if (bytes[0] == ' ' || bytes[0] == '\t') {
                field.write('\r');
                field.write('\n');
            } else {
                if (field.size() > 0) {
                    fields.add(field.toString(StandardCharsets.UTF_8));
                }
                field.reset();
            }
            field.write(bytes, 0, length);
            if (b < 0) {
                break;
            }
        }
        if (field.size() > 0) {
            fields.add(field.toString(StandardCharsets.UTF_8));
        }
        return new HeaderSection(fields);
    }

    @Override
    public List<String> getFields() {
        return fields;
    }

    @Override
    public List<String> getFields(String name) {
        String prefix = name.toLowerCase(Locale.ROOT);
        List<String> named = new ArrayList<>();
        for (String field : fields) {
            int colon = field.indexOf(':');
            if (colon > 0 && field.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(prefix)) {
                named.add(field);
            }
        }
        return named;
    }

    /** The same section without the given fields (compared by identity of position, not by text). */
    HeaderSection without(List<String> left) {
        List<String> kept = new ArrayList<>(fields);
        for (String f : left) {
            for (int i = 0; i < kept.size(); i++) {
                if (kept.get(i) == f) {
                    kept.remove(i);
                    break;
                }
            }
        }
        return new HeaderSection(kept);
    }
}
