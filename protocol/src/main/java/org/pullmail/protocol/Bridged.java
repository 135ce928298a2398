package org.pullmail.protocol;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a domain's SMTP bridge learned of a message that came over SMTP (PROTOCOL.md 3.6): the client, the
 * envelope sender, and the SPF, DKIM and DMARC results. Only a domain's notifications to itself carry it.
 *
 * @param clientIp    the SMTP client's address, an IPv4 or IPv6 literal
 * @param helo        the name the client gave in EHLO or HELO
 * @param mailFrom    the envelope sender, empty for a bounce
 * @param spf         the RFC 7208 result for {@code mailFrom} (for the HELO name when it is empty)
 * @param dkim        pass when at least one DKIM signature verifies, none when there is none
 * @param dkimDomains the {@code d=} of the signatures that verified
 * @param dmarc       the RFC 7489 result for the domain of the notification's {@code from}
 */
public record Bridged(String clientIp, String helo, String mailFrom, String spf, String dkim, List<String> dkimDomains,
        String dmarc) {

    public static final Set<String> SPF_RESULTS = Set.of("pass", "fail", "softfail", "neutral", "none", "temperror",
            "permerror");
    public static final Set<String> DKIM_RESULTS = Set.of("pass", "fail", "none", "temperror", "permerror");
    public static final Set<String> DMARC_RESULTS = DKIM_RESULTS;
    public static final int MAX_DKIM_DOMAINS = 5;
    private static final Pattern IPV4 = Pattern.compile("(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}"
            + "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    /** True when the results prove the notification's {@code from}: DMARC passed (an aligned SPF or DKIM pass). */
    public boolean senderProven() {
        return "pass".equals(dmarc);
    }

    /** The checks of PROTOCOL.md 3.6, run at step 4 with the rest of the notification. */
    void validate() throws ProtocolException {
        require(clientIp != null && (IPV4.matcher(clientIp).matches()
                || (clientIp.contains(":") && IPV6.matcher(clientIp).matches())),
                "bridged.client_ip must be an IPv4 or IPv6 address");
        require(helo != null && !helo.isEmpty() && helo.length() <= 255 && !Notification.hasControlCharacters(helo),
                "bridged.helo must be 1 to 255 characters without controls");
        require(mailFrom != null && (mailFrom.isEmpty() || Addresses.isValid(mailFrom)),
                "bridged.mail_from must be an address or empty");
        require(spf != null && SPF_RESULTS.contains(spf), "bridged.spf must be one of " + SPF_RESULTS);
        require(dkim != null && DKIM_RESULTS.contains(dkim), "bridged.dkim must be one of " + DKIM_RESULTS);
        require(dmarc != null && DMARC_RESULTS.contains(dmarc), "bridged.dmarc must be one of " + DMARC_RESULTS);
        require(dkimDomains != null && dkimDomains.size() <= MAX_DKIM_DOMAINS
                && dkimDomains.stream().allMatch(Addresses::isValidDomain),
                "bridged.dkim_domains must be at most " + MAX_DKIM_DOMAINS + " domains");
    }

    private static void require(boolean condition, String why) throws ProtocolException {
        if (!condition) {
            throw new ProtocolException(ProblemType.INVALID_NOTIFICATION, why);
        }
    }
}
