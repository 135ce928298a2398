package org.pullmail.bridge.auth;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.Result;
import org.apache.james.jdkim.exceptions.FailException;
import org.apache.james.jdkim.impl.DNSPublicKeyRecordRetriever;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Bridged;
import org.xbill.DNS.Resolver;

/** RFC 6376 verification with Apache jDKIM (RSA signatures), asking the bridge's resolver for the keys. */
final class DkimCheck {

    /** What the signatures of a message gave: the summary, the domains that passed, one RFC 8601 clause each. */
    record Outcome(String result, List<String> passingDomains, List<String> clauses) {
    }

    private final Resolver resolver;

    DkimCheck(Resolver resolver) {
        this.resolver = resolver;
    }

    /**
     * {@code pass} when at least one signature verifies, {@code none} when there is none; otherwise
     * {@code temperror} when a key could not be looked up, else {@code fail} or {@code permerror}.
     */
    Outcome verify(InputStream message) throws IOException {
        DKIMVerifier verifier = new DKIMVerifier(new DNSPublicKeyRecordRetriever(resolver));
        try {
            verifier.verify(message);
        } catch (FailException e) {
            // every signature failed: the results say how
        }
        List<Result> results = verifier.getResults() == null ? List.of() : verifier.getResults();
        Set<String> passing = new LinkedHashSet<>();
        List<String> clauses = new ArrayList<>();
        boolean temporary = false;
        boolean failed = false;
        for (Result r : results) {
            String domain = r.getRecord() == null || r.getRecord().getDToken() == null ? null
                    : r.getRecord().getDToken().toString().toLowerCase(Locale.ROOT);
            switch (r.getResultType()) {
                case PASS -> {
                    if (domain != null && Addresses.isValidDomain(domain)) {
                        passing.add(domain);
                    }
                }
                case TEMPERROR -> temporary = true;
                case FAIL -> failed = true;
                default -> {
                }
            }
            clauses.add(clause(r, domain));
        }
        String result = !passing.isEmpty() ? "pass" : results.isEmpty() ? "none" : temporary ? "temperror"
                : failed ? "fail" : "permerror";
        List<String> domains = passing.stream().limit(Bridged.MAX_DKIM_DOMAINS).toList();
        return new Outcome(result, domains, clauses);
    }

    private static String clause(Result r, String domain) {
        String word = switch (r.getResultType()) {
            case PASS -> "pass";
            case FAIL -> "fail";
            case TEMPERROR -> "temperror";
            case NONE -> "none";
            case NEUTRAL -> "neutral";
            case POLICY -> "policy";
            default -> "permerror";
        };
        StringBuilder clause = new StringBuilder("dkim=").append(word);
        if (r.getResultType() != Result.Type.PASS && r.getErrorMessage() != null) {
            clause.append(" (").append(comment(r.getErrorMessage())).append(')');
        }
        if (domain != null) {
            clause.append(" header.d=").append(domain);
        }
        if (r.getRecord() != null && r.getRecord().getSelector() != null) {
            clause.append(" header.s=").append(r.getRecord().getSelector());
        }
        return clause.toString();
    }

    /** A reason fit for an RFC 8601 comment: printable ASCII without parentheses or backslashes, short. */
    static String comment(String text) {
        String clean = text.replaceAll("[^ -~]|[()\\\\]", " ").trim();
        return clean.length() > 100 ? clean.substring(0, 100) : clean;
    }
}
