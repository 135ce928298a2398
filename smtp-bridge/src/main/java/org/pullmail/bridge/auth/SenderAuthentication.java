package org.pullmail.bridge.auth;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Bridged;
import org.springframework.stereotype.Component;
import org.xbill.DNS.Resolver;

/**
 * What SMTP can say about who sent a message: SPF for the client and envelope sender, DKIM for the message's
 * signatures, DMARC for the From header's domain (only {@code dmarc=pass} proves it, PROTOCOL.md 3.6). The results
 * travel in the notification ({@link Bridged}) and, for anyone who reads the message, in an RFC 8601
 * {@code Authentication-Results} header field.
 */
@Component
public class SenderAuthentication {

    /** The three results, and the Authentication-Results field (unfolded lines, no name) they make. */
    public record Results(String spf, String dkim, List<String> dkimDomains, String dmarc, String dmarcPolicy,
            String authenticationResults) {

        public Bridged bridged(String clientIp, String helo, String mailFrom) {
            return new Bridged(clientIp, helo, mailFrom, spf, dkim, dkimDomains, dmarc);
        }
    }

    private final SpfCheck spf;
    private final DkimCheck dkim;
    private final DmarcCheck dmarc;

    SenderAuthentication(Resolver dnsResolver) {
        this.spf = new SpfCheck(dnsResolver);
        this.dkim = new DkimCheck(dnsResolver);
        this.dmarc = new DmarcCheck(dnsResolver);
    }

    /**
     * @param authservId the bridge's host name, which names who checked in the header field
     * @param clientIp   the SMTP client's address
     * @param helo       the name it gave in EHLO/HELO
     * @param mailFrom   the envelope sender, empty for a bounce
     * @param fromHeader the From header field's one address
     * @param message    the message as received, read to its end for DKIM
     */
    public Results check(String authservId, String clientIp, String helo, String mailFrom, String fromHeader,
            InputStream message) throws IOException {
        String spfResult = spf.check(clientIp, mailFrom, helo);
        DkimCheck.Outcome dkimOutcome = dkim.verify(message);
        String spfDomain = mailFrom.isEmpty() ? helo.toLowerCase(Locale.ROOT) : Addresses.domainOf(mailFrom);
        DmarcCheck.Outcome dmarcOutcome = dmarc.evaluate(Addresses.domainOf(fromHeader),
                "pass".equals(spfResult) ? spfDomain : null, dkimOutcome.passingDomains());
        List<String> clauses = new ArrayList<>();
        clauses.add("spf=" + spfResult + (mailFrom.isEmpty() ? " smtp.helo=" + helo : " smtp.mailfrom=" + mailFrom));
        clauses.addAll(dkimOutcome.clauses().isEmpty() ? List.of("dkim=none") : dkimOutcome.clauses());
        clauses.add("dmarc=" + dmarcOutcome.result() + " (p=" + dmarcOutcome.policy() + ") header.from="
                + dmarcOutcome.domain());
        String field = authservId + ";\r\n\t" + String.join(";\r\n\t", clauses);
        return new Results(spfResult, dkimOutcome.result(), dkimOutcome.passingDomains(), dmarcOutcome.result(),
                dmarcOutcome.policy(), field);
    }
}
