package org.pullmail.protocol;

import java.net.IDN;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Mail addresses as PMP/1 carries them: {@code local@domain}, the domain lowercase ASCII (IDNs in
 * their A-label form), the local part case-preserved but compared as given.
 */
public final class Addresses {

    private static final Pattern LOCAL = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}");
    private static final Pattern DOMAIN = Pattern.compile(
            "(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");

    /**
     * A last label that URL parsers read as a number: decimal, or hexadecimal with {@code 0x}. A name
     * ending in one is an IPv4 address in some notation ({@code 127.0.0.1}, {@code 0177.0.0.1},
     * {@code 0x7f.1}), and parsers disagree on which address (Java reads {@code 0177} as 177, others as
     * 127). No top-level domain is numeric (RFC 3696 section 2), so nothing real is refused.
     */
    private static final Pattern NUMERIC_LABEL = Pattern.compile("(?:[0-9]+|0x[0-9a-f]*)");

    private Addresses() {
    }

    public static boolean isValid(String address) {
        if (address == null) {
            return false;
        }
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1) {
            return false;
        }
        String local = address.substring(0, at);
        return LOCAL.matcher(local).matches() && !local.startsWith(".") && !local.endsWith(".")
                && !local.contains("..") && isValidDomain(address.substring(at + 1));
    }

    /**
     * A DNS name of at least two labels, lowercase ASCII, that is no IP address in any notation: IP
     * literals ({@code 127.0.0.1}, {@code 0177.0.0.1}, {@code 0x7f.1}, {@code 2130706433}, {@code [::1]})
     * are never mail domains, so that no address can name a host the SSRF rules would not see as one.
     */
    public static boolean isValidDomain(String domain) {
        return domain != null && DOMAIN.matcher(domain).matches()
                && !NUMERIC_LABEL.matcher(domain.substring(domain.lastIndexOf('.') + 1)).matches();
    }

    /** The address with its domain lowercased and converted to A-labels; throws on garbage. */
    public static String normalize(String address) throws ProtocolException {
        if (address == null) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "missing address");
        }
        int at = address.trim().lastIndexOf('@');
        String trimmed = address.trim();
        if (at <= 0) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "not a mail address: " + trimmed);
        }
        String domain;
        try {
            domain = IDN.toASCII(trimmed.substring(at + 1), IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "not a mail domain: " + trimmed);
        }
        String normalized = trimmed.substring(0, at) + "@" + domain;
        if (!isValid(normalized)) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "not a mail address: " + trimmed);
        }
        return normalized;
    }

    /** The domain of a valid address. */
    public static String domainOf(String address) {
        return address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }
}
