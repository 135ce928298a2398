package org.pullmail.bridge.auth;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.BodyHasher;
import org.apache.james.jdkim.api.Result;
import org.apache.james.jdkim.api.SignatureRecord;
import org.apache.james.jdkim.canon.RelaxedBodyCanonicalizer;
import org.apache.james.jdkim.canon.SimpleBodyCanonicalizer;
import org.apache.james.jdkim.exceptions.FailException;
import org.apache.james.jdkim.impl.CompoundBodyHasher;
import org.apache.james.jdkim.impl.DNSPublicKeyRecordRetriever;
import org.apache.james.mime4j.io.EOLConvertingInputStream;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Bridged;
import org.xbill.DNS.Resolver;

/**
 * RFC 6376 verification with Apache jDKIM (RSA signatures), asking the bridge's resolver for the keys. The message
 * streams through once: the header section is read, the signatures' keys looked up and header hashes checked, then
 * the body flows into the body hashers, so it is never held whole ({@link DKIMVerifier#verify(InputStream)} would
 * parse it into the heap). What a signature may cost is bounded: at most {@code maxSignatures} are verified, those
 * whose {@code d=} aligns with the From domain first; and a signature whose {@code l=} covers less than the body
 * counts as {@code fail}, so that text appended after signing cannot ride on someone else's signature.
 */
final class DkimCheck {

    /** What the signatures of a message gave: the summary, the domains that passed, one RFC 8601 clause each. */
    record Outcome(String result, List<String> passingDomains, List<String> clauses) {
    }

    private static final Pattern D_TAG = Pattern.compile("(?:^|;)\\s*d\\s*=\\s*([^;\\s]+)");

    private final int maxSignatures;

    DkimCheck(int maxSignatures) {
        this.maxSignatures = maxSignatures;
    }

    /**
     * {@code pass} when at least one signature verifies, {@code none} when there is none; otherwise
     * {@code temperror} when a key could not be looked up, else {@code fail} or {@code permerror}.
     *
     * @param message    the message as received, read to its end
     * @param fromDomain the From field's domain, whose signatures are verified first
     * @param resolver   asked for the keys
     */
    Outcome verify(InputStream message, String fromDomain, Resolver resolver) throws IOException {
        InputStream in = new BufferedInputStream(new EOLConvertingInputStream(message), 64 * 1024);
        HeaderSection headers = HeaderSection.read(in);
        if (headers == null) {
            return new Outcome("permerror", List.of(), List.of("dkim=permerror (header section too large)"));
        }
        List<String> signatures = headers.getFields("DKIM-Signature");
        if (signatures.isEmpty()) {
            return new Outcome("none", List.of(), List.of());
        }
        List<String> chosen = choose(signatures, fromDomain);
        List<String> skipped = new ArrayList<>(signatures);
        skipped.removeIf(s -> chosen.stream().anyMatch(c -> c == s));

        DKIMVerifier verifier = new DKIMVerifier(new DNSPublicKeyRecordRetriever(resolver));
        BodyLengths lengths = new BodyLengths();
        try {
            BodyHasher hasher = verifier.newBodyHasher(skipped.isEmpty() ? headers : headers.without(skipped));
            if (hasher instanceof CompoundBodyHasher compound && !compound.getBodyHashJobs().isEmpty()) {
                boolean limited = compound.getBodyHashJobs().values().stream()
                        .anyMatch(job -> job.getSignatureRecord().getBodyHashLimit() >= 0);
                try (OutputStream body = limited ? new Tee(hasher.getOutputStream(), lengths.relaxed, lengths.simple)
                        : hasher.getOutputStream()) {
                    in.transferTo(body);
                }
            }
            verifier.verify(hasher);
        } catch (FailException e) {
            // every signature failed: the results say how
        }
        return outcome(verifier.getResults() == null ? List.of() : verifier.getResults(), lengths, fromDomain);
    }

    /** At most {@code maxSignatures}, aligned with the From domain first, in their order in the message. */
    private List<String> choose(List<String> signatures, String fromDomain) {
        if (signatures.size() <= maxSignatures) {
            return signatures;
        }
        String organisation = OrganizationalDomains.of(fromDomain);
        List<String> ranked = new ArrayList<>(signatures);
        ranked.sort(Comparator.comparing(s -> !organisation.equals(organisationOf(s))));
        Set<String> kept = new HashSet<>(ranked.subList(0, maxSignatures));
        List<String> chosen = new ArrayList<>();
        for (String s : signatures) {
            if (kept.remove(s)) {
                chosen.add(s);
            }
        }
        return chosen;
    }

    private static String organisationOf(String signatureField) {
        Matcher d = D_TAG.matcher(signatureField.substring(signatureField.indexOf(':') + 1));
        if (!d.find()) {
            return "";
        }
        String domain = d.group(1).toLowerCase(Locale.ROOT);
        return Addresses.isValidDomain(domain) ? OrganizationalDomains.of(domain) : "";
    }

    private static Outcome outcome(List<Result> results, BodyLengths lengths, String fromDomain) {
        Set<String> passing = new LinkedHashSet<>();
        List<String> clauses = new ArrayList<>();
        boolean temporary = false;
        boolean failed = false;
        for (Result r : results) {
            String domain = r.getRecord() == null || r.getRecord().getDToken() == null ? null
                    : r.getRecord().getDToken().toString().toLowerCase(Locale.ROOT);
            String word = word(r);
            String reason = r.getResultType() == Result.Type.PASS ? null : r.getErrorMessage();
            if (r.getResultType() == Result.Type.PASS) {
                long body = lengths.of(r.getRecord());
                int limit = r.getRecord().getBodyHashLimit();
                if (limit >= 0 && limit < body) {
                    word = "fail";
                    reason = "l=" + limit + " signs only part of the body of " + body + " bytes";
                }
            }
            switch (word) {
                case "pass" -> {
                    if (domain != null && Addresses.isValidDomain(domain)) {
                        passing.add(domain);
                    }
                }
                case "temperror" -> temporary = true;
                case "fail" -> failed = true;
                default -> {
                }
            }
            clauses.add(clause(word, reason, domain, r.getRecord()));
        }
        String result = !passing.isEmpty() ? "pass" : results.isEmpty() ? "none" : temporary ? "temperror"
                : failed ? "fail" : "permerror";
        // the notification carries a few: those DMARC can align with the From domain first
        String organisation = OrganizationalDomains.of(fromDomain);
        List<String> domains = passing.stream()
                .sorted(Comparator.comparing(d -> !organisation.equals(OrganizationalDomains.of(d))))
                .limit(Bridged.MAX_DKIM_DOMAINS).toList();
        return new Outcome(result, domains, clauses);
    }

    private static String word(Result r) {
        return switch (r.getResultType()) {
            case PASS -> "pass";
            case FAIL -> "fail";
            case TEMPERROR -> "temperror";
            case NONE -> "none";
            case NEUTRAL -> "neutral";
            case POLICY -> "policy";
            default -> "permerror";
        };
    }

    private static String clause(String word, String reason, String domain, SignatureRecord record) {
        StringBuilder clause = new StringBuilder("dkim=").append(word);
        if (reason != null) {
            clause.append(" (").append(comment(reason)).append(')');
        }
        if (domain != null) {
            clause.append(" header.d=").append(AuthenticationResults.value(domain));
        }
        if (record != null && record.getSelector() != null) {
            clause.append(" header.s=").append(AuthenticationResults.value(record.getSelector().toString()));
        }
        return clause.toString();
    }

    /** A reason fit for an RFC 8601 comment: printable ASCII without parentheses or backslashes, short. */
    static String comment(String text) {
        String clean = text.replaceAll("[^ -~]|[()\\\\]", " ").trim();
        return clean.length() > 100 ? clean.substring(0, 100) : clean;
    }

    /** The canonicalised body's length both ways, counted only when some signature has {@code l=}. */
    private static final class BodyLengths {

        final Counter relaxedCount = new Counter();
        final Counter simpleCount = new Counter();
        final OutputStream relaxed = new RelaxedBodyCanonicalizer(relaxedCount);
        final OutputStream simple = new SimpleBodyCanonicalizer(simpleCount);

        long of(SignatureRecord record) {
            return SignatureRecord.RELAXED.equals(record.getBodyCanonicalisationMethod()) ? relaxedCount.bytes
                    : simpleCount.bytes;
        }
    }

    private static final class Counter extends OutputStream {

        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }

    /** Writes to several streams, and closes them all (a canonicaliser writes its last line at close). */
    private static final class Tee extends OutputStream {

        private final OutputStream[] outs;

        Tee(OutputStream... outs) {
            this.outs = outs;
        }

        @Override
        public void write(int b) throws IOException {
            for (OutputStream out : outs) {
                out.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (OutputStream out : outs) {
                out.write(b, off, len);
            }
        }

        @Override
        public void close() throws IOException {
            for (OutputStream out : outs) {
                out.close();
            }
        }
    }
}
