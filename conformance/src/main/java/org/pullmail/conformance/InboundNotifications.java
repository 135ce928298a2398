package org.pullmail.conformance;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.InMemoryNonceStore;
import org.pullmail.protocol.http.PmpVerifier;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;

/**
 * The notifications the deployment under test sends to the kit's peer domain, each checked as a
 * receiver must check it (PROTOCOL.md 3.1, 3.3, 6) and kept, so that the fetch and status checks can
 * use its tokens. The deployment's keys come from its discovery document at BASE_URL, as a static
 * discovery entry would give them.
 */
final class InboundNotifications {

    /**
     * One notification as it came.
     *
     * @param notification its members as sent (not validated), or null when the body is no notification
     * @param refusal      what a receiver must answer instead of 200, or null when it is acceptable
     */
    record Received(Instant at, Notification notification, List<Result> checks, ProtocolException refusal) {
    }

    private final String domain;
    private final String peerDomain;
    private final KnownDomains discovery;
    private final PmpVerifier verifier;
    private final List<Received> received = new ArrayList<>();

    /** @param discovery knows the deployment's domain through its static entry domain → BASE_URL */
    InboundNotifications(String domain, String peerDomain, KnownDomains discovery) {
        this.domain = domain;
        this.peerDomain = peerDomain;
        this.discovery = discovery;
        Clock clock = Clock.systemUTC();
        this.verifier = new PmpVerifier(clock, new InMemoryNonceStore(clock));
    }

    /** Checks a notification that reached the peer's notify_url and keeps it. */
    Received receive(HttpRequestView request, byte[] body) {
        List<Result> checks = new ArrayList<>();
        ProtocolException refusal = null;
        String contentType = request.firstHeader("Content-Type");
        boolean json = contentType != null
                && contentType.toLowerCase(Locale.ROOT).split(";")[0].trim().equals(Pmp.MEDIA_TYPE_JSON);
        checks.add(verdict("3.1", "notifications to the kit are application/json", json,
                "Content-Type " + contentType));
        if (!json) {
            refusal = new ProtocolException(ProblemType.UNSUPPORTED_MEDIA_TYPE, "a notification is application/json");
        }
        boolean small = body.length <= Pmp.MAX_NOTIFICATION_BYTES;
        checks.add(verdict("3.1", "notifications to the kit are at most 4096 bytes", small, body.length + " bytes"));
        if (!small && refusal == null) {
            refusal = new ProtocolException(ProblemType.TOO_LARGE, "a notification is at most 4096 bytes");
        }

        Notification notification = null;
        try {
            notification = PmpJson.read(body, Notification.class, ProblemType.INVALID_NOTIFICATION);
        } catch (ProtocolException e) {
            refusal = refusal == null ? e : refusal;
        }
        String invalid = null;
        try {
            if (notification != null) {
                notification.validate();
            }
        } catch (ProtocolException e) {
            invalid = e.detail();
            refusal = refusal == null ? e : refusal;
        }
        checks.add(verdict("3.1", "notifications to the kit have valid members", notification != null && invalid == null,
                notification == null ? "the body is not a notification" : invalid));

        String digestProblem = null;
        try {
            ContentDigest.verify(request.firstHeader("Content-Digest"), body);
        } catch (ProtocolException e) {
            digestProblem = e.detail();
        }
        checks.add(verdict("6.5", "notifications to the kit carry a Content-Digest that matches the body",
                digestProblem == null, digestProblem));

        String signatureProblem = null;
        try {
            verifier.verify(request, body, SignatureProfile.NOTIFICATION, kid -> discovery.key(domain, kid));
        } catch (ProtocolException e) {
            boolean signatureHeld = e.type() == ProblemType.DIGEST_MISMATCH || e.type() == ProblemType.MALFORMED_REQUEST;
            if (!signatureHeld) {
                signatureProblem = e.type().slug() + ": " + e.detail();
            }
            refusal = refusal == null ? e : refusal;
        }
        checks.add(verdict("6.2", "notifications to the kit are signed with a published key under the notification profile",
                signatureProblem == null, signatureProblem));

        if (notification != null) {
            refusal = checkMembers(notification, checks, refusal);
        }
        Received r = new Received(Instant.now(), notification, List.copyOf(checks), refusal);
        synchronized (received) {
            received.add(r);
            received.notifyAll();
        }
        return r;
    }

    private ProtocolException checkMembers(Notification n, List<Result> checks, ProtocolException refusal) {
        boolean ownDomain = n.from() != null && Addresses.isValid(n.from()) && Addresses.domainOf(n.from()).equals(domain);
        checks.add(verdict("3.3", "notifications to the kit come from an address of the deployment's domain",
                ownDomain, "from is " + n.from()));

        List<Notification.Recipient> recipients = n.recipients() == null ? List.of() : n.recipients();
        Optional<String> stranger = recipients.stream().map(r -> r == null ? null : r.address())
                .filter(a -> a == null || !Addresses.isValid(a) || !Addresses.domainOf(a).equals(peerDomain)).findFirst();
        checks.add(verdict("3.1", "notifications to the kit name recipients of the kit's domain only",
                !recipients.isEmpty() && stranger.isEmpty(),
                recipients.isEmpty() ? "no recipients" : "recipient " + stranger.orElse("") + " is not in " + peerDomain));
        if (stranger.isPresent() && refusal == null) {
            refusal = new ProtocolException(ProblemType.FOREIGN_RECIPIENT, "a recipient is not in " + peerDomain);
        }

        String outside = null;
        try {
            DiscoveryDocument document = discovery.discover(domain);
            if (n.fetchUrl() == null || !document.isUnderFetchBase(n.fetchUrl())) {
                outside = "fetch_url " + n.fetchUrl() + " does not lie under " + document.fetchBase();
            }
        } catch (ProtocolException e) {
            outside = "the deployment's discovery document is unusable: " + e.detail();
        }
        checks.add(verdict("3.3", "notifications to the kit have a fetch_url under the deployment's fetch_base",
                outside == null, outside));
        if (outside != null && refusal == null) {
            refusal = new ProtocolException(ProblemType.FETCH_URL_OUTSIDE_BASE, outside);
        }

        Optional<String> badToken = recipients.stream().map(r -> r == null ? null : r.token())
                .filter(t -> t == null || !Notification.TOKEN.matcher(t).matches()).findFirst();
        checks.add(verdict("1", "notifications to the kit carry 43-character base64url tokens",
                !recipients.isEmpty() && badToken.isEmpty(), "token " + badToken.orElse("(none)")));
        return refusal;
    }

    private static Result verdict(String section, String name, boolean ok, String failure) {
        return ok ? new Result(Result.Status.PASS, section, name, null)
                : new Result(Result.Status.FAIL, section, name, failure);
    }

    /** Waits up to {@code timeout} for a notification that satisfies {@code wanted}. */
    Optional<Received> await(Predicate<Notification> wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (true) {
                Optional<Received> match = received.stream()
                        .filter(r -> r.notification() != null && wanted.test(r.notification())).findFirst();
                long left = deadline - System.nanoTime();
                if (match.isPresent() || left <= 0) {
                    return match;
                }
                received.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    List<Received> all() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /**
     * Records one result per check over all notifications received so far: PASS when every one passed
     * it, else FAIL with the first failure. Returns false when nothing was received.
     */
    boolean report(Recorder recorder) {
        List<Received> all = all();
        Map<String, Result> merged = new LinkedHashMap<>();
        for (Received r : all) {
            String which = r.notification() == null || r.notification().id() == null ? "a notification"
                    : "notification " + r.notification().id();
            for (Result check : r.checks()) {
                Result before = merged.get(check.name());
                if (before == null || (before.status() == Result.Status.PASS && check.status() == Result.Status.FAIL)) {
                    merged.put(check.name(), check.status() == Result.Status.FAIL
                            ? new Result(Result.Status.FAIL, check.section(), check.name(), which + ": " + check.detail())
                            : check);
                }
            }
        }
        merged.values().forEach(recorder::add);
        return !all.isEmpty();
    }
}
