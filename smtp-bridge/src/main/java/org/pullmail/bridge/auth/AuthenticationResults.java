package org.pullmail.bridge.auth;

import java.util.regex.Pattern;

/**
 * Values in an RFC 8601 {@code Authentication-Results} field, written so that what a sender chose (a HELO name, an
 * envelope address, a selector) stays one value: a domain name, an address or a MIME token as it is, anything else as
 * a quoted-string (RFC 8601 2.2 {@code pvalue}). A HELO of {@code x;dmarc=pass} then cannot add a clause of its own.
 */
public final class AuthenticationResults {

    /** A dot-atom domain or {@code local@domain} of dot-atoms: what pvalue takes unquoted. */
    private static final Pattern ADDRESS_OR_DOMAIN = Pattern.compile(
            "(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@)?"
                    + "[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*");
    /** An RFC 2045 token: printable ASCII without space and tspecials. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.0-9A-Z^_`a-z{|}~-]+");

    private AuthenticationResults() {
    }

    public static String value(String text) {
        if (ADDRESS_OR_DOMAIN.matcher(text).matches() || TOKEN.matcher(text).matches()) {
            return text;
        }
        StringBuilder quoted = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                quoted.append(' '); // no control character belongs in a header field
            } else {
                if (c == '"' || c == '\\') {
                    quoted.append('\\');
                }
                quoted.appendCodePoint(c);
            }
        });
        return quoted.append('"').toString();
    }
}
