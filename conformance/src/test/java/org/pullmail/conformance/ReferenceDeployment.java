package org.pullmail.conformance;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.StatusReport;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.InMemoryNonceStore;
import org.pullmail.protocol.http.PmpVerifier;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;

/**
 * A deployment that follows the rules the kit checks, in the order of PROTOCOL.md's tables (3.3 for
 * notifications, 4.3 for fetches, 5.2 for status reports): what a conformant deployment answers, so that
 * a kit run against it must come out without a single FAIL.
 */
class ReferenceDeployment extends StubDeployment {

    private final Duration storedGrace;
    private final PmpVerifier verifier = new PmpVerifier(clock, new InMemoryNonceStore(clock));
    /** (sender domain, id) → the first receipt: repeats get it again. */
    private final Map<String, NotificationReceipt> receipts = new ConcurrentHashMap<>();

    ReferenceDeployment(String domain, Map<String, URI> peers) throws IOException {
        this(domain, peers, Duration.ofHours(1));
    }

    /** @param storedGrace how long a token still fetches after {@code stored} (section 5.4) */
    ReferenceDeployment(String domain, Map<String, URI> peers, Duration storedGrace) throws IOException {
        super(domain, peers);
        this.storedGrace = storedGrace;
    }

    @Override
    String cacheControl() {
        return "public, max-age=300";
    }

    /** Section 3.3's steps 1, 3, 4, 5 to 7 (the verifier), 9 and 10. */
    @Override
    Reply notification(HttpRequestView request, byte[] body) throws Refusal {
        try {
            requireJson(request);
            if (body.length > Pmp.MAX_NOTIFICATION_BYTES) {
                throw new ProtocolException(ProblemType.TOO_LARGE, "at most 4096 bytes");
            }
            Notification n = PmpJson.read(body, Notification.class, ProblemType.INVALID_NOTIFICATION);
            // a list that mixes domains is a foreign recipient (checked last), not an invalid notification
            boolean foreign = n.recipients() != null && n.recipients().stream().anyMatch(r -> r != null
                    && Addresses.isValid(r.address()) && !Addresses.domainOf(r.address()).equals(domain));
            rehomed(n).validate();
            verifier.verify(request, body, SignatureProfile.NOTIFICATION, kid -> discovery.key(n.senderDomain(), kid));
            DiscoveryDocument sender = discovery.discover(n.senderDomain());
            if (!sender.isUnderFetchBase(n.fetchUrl())) {
                throw new ProtocolException(ProblemType.FETCH_URL_OUTSIDE_BASE, "outside " + sender.fetchBase());
            }
            if (foreign) {
                throw new ProtocolException(ProblemType.FOREIGN_RECIPIENT, "this is " + domain);
            }
            NotificationReceipt receipt = receipts.computeIfAbsent(n.senderDomain() + " " + n.id(),
                    k -> new NotificationReceipt(n.id(), n.recipients().stream()
                            .map(r -> new NotificationReceipt.RecipientOutcome(r.address(),
                                    NotificationReceipt.Outcome.UNKNOWN)).toList()));
            return Reply.json(200, receipt);
        } catch (ProtocolException e) {
            throw new Refusal(e);
        }
    }

    /** The notification with every recipient moved into this domain, to validate all but the domain rule. */
    private Notification rehomed(Notification n) {
        if (n.recipients() == null) {
            return n;
        }
        List<Notification.Recipient> recipients = new ArrayList<>();
        for (Notification.Recipient r : n.recipients()) {
            recipients.add(r == null || !Addresses.isValid(r.address()) ? r : new Notification.Recipient(
                    r.address().substring(0, r.address().lastIndexOf('@') + 1) + domain, r.token()));
        }
        return new Notification(n.id(), n.from(), recipients, n.subject(), n.size(), n.digest(), n.fetchUrl(),
                n.sentAt(), n.expiresAt());
    }

    @Override
    Reply fetch(Message m, HttpRequestView request) throws Refusal {
        Delivery d = authorize(m, request, null, SignatureProfile.FETCH);
        if (m.recalled) {
            throw new Refusal(410, "recalled", "the sender recalled this message");
        }
        if (d.state == State.DECLINED || d.state == State.SPAM) {
            throw new Refusal(404, "not-found", "no such message for this capability");
        }
        if (d.state == State.STORED && !clock.instant().isBefore(d.storedAt.plus(storedGrace))) {
            throw new Refusal(410, "already-stored", "stored, and the grace period is over");
        }
        if (d.state == State.QUEUED || d.state == State.NOTIFIED) {
            d.state = State.FETCHED;
        }
        return message(m);
    }

    /** Section 5.2's steps in order; every address (step 9) before any status (step 10). */
    @Override
    Reply status(Message m, HttpRequestView request, byte[] body) throws Refusal {
        try {
            requireJson(request);
        } catch (ProtocolException e) {
            throw new Refusal(e);
        }
        if (body.length > Pmp.MAX_NOTIFICATION_BYTES) {
            throw new Refusal(413, "too-large", "at most 4096 bytes");
        }
        Delivery d = authorize(m, request, body, SignatureProfile.STATUS);
        StatusReport report;
        try {
            report = PmpJson.readStatusReport(body);
        } catch (ProtocolException e) {
            throw new Refusal(e);
        }
        String tokenDomain = Addresses.domainOf(d.address);
        List<Delivery> named = new ArrayList<>();
        for (StatusReport.RecipientStatus r : report.recipients()) {
            named.add(m.byToken.values().stream()
                    .filter(x -> x.address.equals(r.address()) && Addresses.domainOf(x.address).equals(tokenDomain))
                    .findFirst().orElseThrow(() -> new Refusal(403, "wrong-domain", r.address() + " is no recipient")));
        }
        for (int i = 0; i < named.size(); i++) {
            StatusReport.Status reported = report.recipients().get(i).status();
            if (!allowed(named.get(i).state, reported)) {
                throw new Refusal(409, "status-conflict", reported + " cannot follow " + named.get(i).state);
            }
        }
        for (int i = 0; i < named.size(); i++) {
            Delivery delivery = named.get(i);
            State next = State.valueOf(report.recipients().get(i).status().name());
            if (delivery.state != next) {
                delivery.state = next;
                delivery.storedAt = next == State.STORED ? clock.instant() : delivery.storedAt;
            }
        }
        return new Reply(204, null, null, Map.of());
    }

    /** The state rules: stored and declined until stored, spam until spam; a repeat changes nothing. */
    static boolean allowed(State current, StatusReport.Status reported) {
        if (current.name().equals(reported.name())) {
            return true;
        }
        Set<State> from = reported == StatusReport.Status.SPAM
                ? EnumSet.of(State.QUEUED, State.NOTIFIED, State.FETCHED, State.STORED, State.DECLINED)
                : EnumSet.of(State.QUEUED, State.NOTIFIED, State.FETCHED);
        return from.contains(current);
    }

    /** Capability first, then the token, then the signature by the token's recipient domain. */
    private Delivery authorize(Message m, HttpRequestView request, byte[] body, SignatureProfile profile)
            throws Refusal {
        String authorization = request.firstHeader("Authorization");
        String prefix = Pmp.CAPABILITY_SCHEME + " ";
        if (authorization == null || !authorization.startsWith(prefix)
                || !Notification.TOKEN.matcher(authorization.substring(prefix.length())).matches()) {
            throw new Refusal(401, "capability-missing", "send Authorization: PMP-Capability <token>");
        }
        Delivery d = m == null ? null : m.byToken.get(authorization.substring(prefix.length()));
        if (d == null) {
            throw new Refusal(404, "not-found", "no such message for this capability");
        }
        try {
            verifier.verify(request, body, profile, kid -> discovery.key(Addresses.domainOf(d.address), kid));
        } catch (ProtocolException e) {
            throw new Refusal(e);
        }
        return d;
    }

    private static void requireJson(HttpRequestView request) throws ProtocolException {
        String type = request.firstHeader("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).split(";")[0].trim().equals(Pmp.MEDIA_TYPE_JSON)) {
            throw new ProtocolException(ProblemType.UNSUPPORTED_MEDIA_TYPE, "application/json only");
        }
    }
}
