package org.pullmail.bridge.auth;

import java.util.Locale;

import org.apache.james.jspf.executor.SPFResult;
import org.apache.james.jspf.impl.DNSServiceXBillImpl;
import org.apache.james.jspf.impl.SPF;
import org.pullmail.protocol.Bridged;
import org.xbill.DNS.Resolver;

/** RFC 7208 with Apache jSPF, asking the resolver it is given. */
final class SpfCheck {

    /**
     * The result for the envelope sender, or for {@code postmaster@helo} when the sender is empty (a bounce),
     * as one of {@link Bridged#SPF_RESULTS}.
     */
    String check(String clientIp, String mailFrom, String helo, Resolver resolver) {
        // an SPF per check: jSPF keeps per-evaluation state in it; building one costs little beside the DNS lookups
        SPF spf = new SPF(new DNSServiceXBillImpl(resolver));
        SPFResult result = spf.checkSPF(clientIp, mailFrom, helo);
        String word = result.getResult() == null ? "" : result.getResult().toLowerCase(Locale.ROOT);
        return Bridged.SPF_RESULTS.contains(word) ? word : "permerror";
    }
}
