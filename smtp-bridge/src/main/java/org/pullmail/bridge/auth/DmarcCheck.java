package org.pullmail.bridge.auth;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * RFC 7489 on top of the SPF and DKIM results: the policy record of the From domain, else of its organisational
 * domain ({@code sp=} then applies); SPF and DKIM alignment, relaxed unless {@code aspf=s} / {@code adkim=s}. No
 * library on Maven Central does this; it is small. {@code pct} is not applied: the bridge only reports, the
 * recipient's inbox decides (an unproven sender is a stranger, PROTOCOL.md 3.6).
 */
final class DmarcCheck {

    /** The verdict, the policy the domain asks for ({@code none} without a record), and the From domain. */
    record Outcome(String result, String policy, String domain) {
    }

    /**
     * @param fromDomain  the domain of the From header field's one address
     * @param spfDomain   the domain SPF passed for (the MAIL FROM domain, or the HELO name for a bounce); null when
     *                    SPF did not pass
     * @param dkimDomains the {@code d=} of the DKIM signatures that verified
     * @param resolver    asked for the policy records
     */
    Outcome evaluate(String fromDomain, String spfDomain, List<String> dkimDomains, Resolver resolver) {
        String org = OrganizationalDomains.of(fromDomain);
        Map<String, String> record;
        boolean fromOrganisation = false;
        try {
            record = policy("_dmarc." + fromDomain, resolver);
            if (record == null && !org.equals(fromDomain)) {
                record = policy("_dmarc." + org, resolver);
                fromOrganisation = true;
            }
        } catch (TemporaryFailure e) {
            return new Outcome("temperror", "none", fromDomain);
        }
        if (record == null) {
            return new Outcome("none", "none", fromDomain);
        }
        String p = record.getOrDefault("p", "none");
        String policy = fromOrganisation && record.containsKey("sp") ? record.get("sp") : p;
        if (!List.of("none", "quarantine", "reject").contains(policy)) {
            policy = "none";
        }
        boolean spfAligned = spfDomain != null && aligned(spfDomain, fromDomain, "s".equals(record.get("aspf")));
        boolean strictDkim = "s".equals(record.get("adkim"));
        boolean dkimAligned = dkimDomains.stream().anyMatch(d -> aligned(d, fromDomain, strictDkim));
        return new Outcome(spfAligned || dkimAligned ? "pass" : "fail", policy, fromDomain);
    }

    private static boolean aligned(String a, String b, boolean strict) {
        return strict ? a.equalsIgnoreCase(b) : OrganizationalDomains.of(a).equals(OrganizationalDomains.of(b));
    }

    /** The tags of the one {@code v=DMARC1} record at {@code name}; null when there is none or several (RFC 7489 6.6.3). */
    private static Map<String, String> policy(String name, Resolver resolver) throws TemporaryFailure {
        Lookup lookup;
        try {
            lookup = new Lookup(Name.fromString(name, Name.root), Type.TXT);
        } catch (TextParseException e) {
            return null;
        }
        lookup.setResolver(resolver);
        lookup.setCache(null);
        Record[] records = lookup.run();
        if (lookup.getResult() == Lookup.TRY_AGAIN) {
            throw new TemporaryFailure();
        }
        if (records == null) {
            return null;
        }
        List<Map<String, String>> found = new ArrayList<>();
        for (Record r : records) {
            String text = String.join("", ((TXTRecord) r).getStrings());
            if (!text.startsWith("v=DMARC1")) {
                continue;
            }
            Map<String, String> tags = new HashMap<>();
            for (String part : text.split(";")) {
                int eq = part.indexOf('=');
                if (eq > 0) {
                    tags.put(part.substring(0, eq).trim().toLowerCase(Locale.ROOT),
                            part.substring(eq + 1).trim().toLowerCase(Locale.ROOT));
                }
            }
            found.add(tags);
        }
        return found.size() == 1 ? found.get(0) : null;
    }

    private static final class TemporaryFailure extends Exception {
        TemporaryFailure() {
            super(null, null, false, false);
        }
    }
}
