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

    public static boolean isValidDomain(String domain) {
        return domain != null && DOMAIN.matcher(domain).matches();
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
