package org.pullmail.bridge.auth;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.pullmail.bridge.config.BridgeProperties;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Bridged;
import org.springframework.stereotype.Component;
import org.xbill.DNS.Resolver;

/**
 * What SMTP can say about who sent a message: SPF for the client and envelope sender, DKIM for the message's
 * signatures, DMARC for the From header's domain (only {@code dmarc=pass} proves it, PROTOCOL.md 3.6). The results
 * travel in the notification ({@link Bridged}) and, for anyone who reads the message, in an RFC 8601
 * {@code Authentication-Results} header field. All DNS questions of one message's checks share one deadline
 * ({@code pullmail.bridge.authentication.deadline}): what is still open after it is {@code temperror}.
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

    private final Resolver resolver;
    private final BridgeProperties.Authentication settings;
    private final SpfCheck spf = new SpfCheck();
    private final DkimCheck dkim;
    private final DmarcCheck dmarc = new DmarcCheck();

    SenderAuthentication(Resolver dnsResolver, BridgeProperties bridge) {
        this.resolver = dnsResolver;
        this.settings = bridge.authentication();
        this.dkim = new DkimCheck(settings.dkimSignatures());
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
        TimeBoxedResolver boxed = new TimeBoxedResolver(resolver, settings.deadline());
        String fromDomain = Addresses.domainOf(fromHeader);
        String spfResult = spf.check(clientIp, mailFrom, helo, boxed);
        DkimCheck.Outcome dkimOutcome = dkim.verify(message, fromDomain, boxed);
        String spfDomain = mailFrom.isEmpty() ? helo.toLowerCase(Locale.ROOT) : Addresses.domainOf(mailFrom);
        DmarcCheck.Outcome dmarcOutcome = dmarc.evaluate(fromDomain, "pass".equals(spfResult) ? spfDomain : null,
                dkimOutcome.passingDomains(), boxed);
        List<String> clauses = new ArrayList<>();
        clauses.add("spf=" + spfResult + (mailFrom.isEmpty() ? " smtp.helo=" + AuthenticationResults.value(helo)
                : " smtp.mailfrom=" + AuthenticationResults.value(mailFrom)));
        clauses.addAll(dkimOutcome.clauses().isEmpty() ? List.of("dkim=none") : dkimOutcome.clauses());
        clauses.add("dmarc=" + dmarcOutcome.result() + " (p=" + dmarcOutcome.policy() + ") header.from="
                + AuthenticationResults.value(dmarcOutcome.domain()));
        String field = authservId + ";\r\n\t" + String.join(";\r\n\t", clauses);
        return new Results(spfResult, dkimOutcome.result(), dkimOutcome.passingDomains(), dmarcOutcome.result(),
                dmarcOutcome.policy(), field);
    }
}
