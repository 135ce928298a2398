package org.pullmail.conformance;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.HttpSignatures;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;

/**
 * What the deployment answers to notifications from the kit's peer domain (PROTOCOL.md 3, 6, 7). Most
 * refusal checks break one rule of a notification that is otherwise valid. Those alone would pass a
 * receiver that checks in any order, so the order checks break two rules at once: the receiver must
 * answer the earlier step of section 3.3's table (media type, size, members, signature, digest, nonce,
 * fetch_url, recipients).
 */
final class NotificationChecks {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<String> OUTCOMES = Set.of("accepted", "unknown", "blocked");

    /** A receipt as sent, outcome values unchecked, so that a wrong one can be named. */
    record Receipt(String id, List<Outcome> recipients) {
        record Outcome(String address, String outcome) {
        }
    }

    private final String domain;
    private final URI notifyUrl;
    private final PeerDomain peer;
    private final PeerKeys keys;
    private final PeerOutbox outbox;
    private final Wire wire;
    private final Recorder recorder;

    NotificationChecks(String domain, URI notifyUrl, PeerDomain peer, PeerKeys keys, PeerOutbox outbox, Wire wire,
            Recorder recorder) {
        this.domain = domain;
        this.notifyUrl = notifyUrl;
        this.peer = peer;
        this.keys = keys;
        this.outbox = outbox;
        this.wire = wire;
        this.recorder = recorder;
    }

    void run() {
        String probe = "conformance-probe@" + domain;
        String stranger = "conformance-stranger@" + peer.domain();

        // media type, size and members: answered before any key is looked up
        recorder.refusal("3.3", "notification with Content-Type text/plain → 415 unsupported-media-type",
                send(request(body(probe(probe))).header("Content-Type", "text/plain").sign(valid())),
                415, "unsupported-media-type", false);
        recorder.refusal("3.3", "notification over 4096 bytes → 413 too-large",
                sendSigned(body(oversized())), 413, "too-large", false);
        recorder.refusal("3.3", "notification body that is not JSON → 400 invalid-notification",
                sendSigned("this is not JSON".getBytes(StandardCharsets.UTF_8)), 400, "invalid-notification", false);
        Notification n = probe(probe);
        recorder.refusal("3.3", "notification without fetch_url → 400 invalid-notification",
                sendSigned(body(with(n, n.recipients(), null))), 400, "invalid-notification", false);
        n = probe(probe);
        recorder.refusal("3.3", "notification with a 42-character token → 400 invalid-notification",
                sendSigned(body(with(n, List.of(new Notification.Recipient(probe, token().substring(1))), n.fetchUrl()))),
                400, "invalid-notification", false);

        // the signature, in the order of section 6
        recorder.refusal("6.1", "unsigned notification → 401 signature-missing",
                send(request(body(probe(probe)))), 401, "signature-missing", false);
        recorder.refusal("6.1", "notification with an unparseable Signature-Input → 401 signature-malformed",
                send(request(body(probe(probe))).sign(valid())
                        .header(HttpSignatures.SIGNATURE_INPUT, "pmp=(\"@method\" \"@target-uri\"")),
                401, "signature-malformed", false);
        recorder.refusal("6.1", "notification signed under a label other than pmp → 401 signature-profile",
                send(request(body(probe(probe))).sign(valid().label("sig1"))), 401, "signature-profile", false);
        recorder.refusal("6.2", "notification signature not covering content-digest → 401 signature-profile",
                send(request(body(probe(probe))).sign(valid().covering(List.of("@method", "@target-uri", "content-type")))),
                401, "signature-profile", false);
        recorder.refusal("6.1", "notification signature with alg rsa-pss-sha512 → 401 signature-profile",
                send(request(body(probe(probe))).sign(valid().alg("rsa-pss-sha512"))), 401, "signature-profile", false);
        recorder.refusal("6.4", "notification signed 400 s ago → 401 signature-expired",
                send(request(body(probe(probe))).sign(valid().aged(Duration.ofSeconds(400)))),
                401, "signature-expired", false);
        recorder.refusal("6.4", "notification signed 120 s in the future → 401 signature-expired",
                send(request(body(probe(probe))).sign(valid().aged(Duration.ofSeconds(-120)))),
                401, "signature-expired", false);
        recorder.refusal("6.3", "notification signed with a key the sender's domain does not publish → 401 unknown-key",
                send(request(body(probe(probe))).sign(Signature.of(keys.unpublished, SignatureProfile.NOTIFICATION))),
                401, "unknown-key");
        recorder.refusal("6.1", "notification with a corrupted signature → 401 signature-invalid",
                send(request(body(probe(probe))).sign(valid()).corruptSignature()), 401, "signature-invalid");
        recorder.refusal("6.5", "notification without the Content-Digest its signature covers → 401 signature-invalid",
                send(request(body(probe(probe))).sign(valid()).header("Content-Digest", null)), 401, "signature-invalid");
        byte[] tampered = body(probe(probe));
        recorder.refusal("6.5", "tampered notification with a recomputed Content-Digest → 401 signature-invalid",
                send(request(body(probe(probe))).sign(valid()).body(tampered)
                        .header("Content-Digest", ContentDigest.sha256(tampered))),
                401, "signature-invalid");

        // the digest, once the signature holds
        recorder.refusal("6.5", "tampered notification with the original Content-Digest → 400 digest-mismatch",
                send(request(body(probe(probe))).sign(valid()).body(body(probe(probe)))), 400, "digest-mismatch");
        recorder.refusal("6.5", "notification whose Content-Digest has no sha-256 or sha-512 → 400 malformed-request",
                send(request(body(probe(probe))).header("Content-Digest", "sha-1=:" + Base64.getEncoder()
                        .encodeToString(new byte[20]) + ":").sign(valid())),
                400, "malformed-request");
        recorder.refusal("6.5", "notification with an unparseable Content-Digest → 400 malformed-request",
                send(request(body(probe(probe))).header("Content-Digest", "sha-256=%%%").sign(valid())),
                400, "malformed-request");

        // after the nonce (and the per-domain limit, not tested): fetch_url, then the recipients
        n = probe(probe);
        URI base = peer.fetchBase();
        int otherPort = base.getPort() == 65535 ? base.getPort() - 1 : base.getPort() + 1;
        recorder.refusal("3.3", "notification with fetch_url on another port → 400 fetch-url-outside-base",
                sendSigned(body(with(n, n.recipients(), "http://" + base.getHost() + ":" + otherPort + base.getRawPath()
                        + n.id()))),
                400, "fetch-url-outside-base");
        n = probe(probe);
        recorder.refusal("3.3", "notification with fetch_url leaving fetch_base by dot segments → 400 fetch-url-outside-base",
                sendSigned(body(with(n, n.recipients(), base + "../../elsewhere/" + n.id()))),
                400, "fetch-url-outside-base");
        recorder.refusal("3.3", "notification to a recipient of another domain → 400 foreign-recipient",
                sendSigned(body(probe(stranger))), 400, "foreign-recipient");
        recorder.refusal("3.3", "notification to recipients of two domains → 400 foreign-recipient",
                sendSigned(body(probe(probe, stranger))), 400, "foreign-recipient");

        inOrder(probe, stranger, otherPort);
        accepted(probe, "conformance-probe-2@" + domain);
    }

    /** Two rules broken at once: the earlier step of section 3.3's table must answer. */
    private void inOrder(String probe, String stranger, int otherPort) {
        recorder.refusal("3.3", "notification with Content-Type text/plain and over 4096 bytes → 415 unsupported-media-type",
                send(request(body(oversized())).header("Content-Type", "text/plain").sign(valid())),
                415, "unsupported-media-type", false);
        recorder.refusal("3.3", "notification over 4096 bytes and without a signature → 413 too-large",
                send(request(body(oversized()))), 413, "too-large", false);
        recorder.refusal("3.3", "notification body that is not JSON and without a signature → 400 invalid-notification",
                send(request("this is not JSON".getBytes(StandardCharsets.UTF_8))), 400, "invalid-notification", false);
        recorder.refusal("3.3", "notification without a signature and with a Content-Digest that does not match → "
                        + "401 signature-missing",
                send(request(body(probe(probe))).body(body(probe(probe)))), 401, "signature-missing", false);
        Notification n = probe(stranger);
        URI base = peer.fetchBase();
        recorder.refusal("3.3", "notification with fetch_url outside fetch_base and a recipient of another domain → "
                        + "400 fetch-url-outside-base",
                sendSigned(body(with(n, n.recipients(), "http://" + base.getHost() + ":" + otherPort + base.getRawPath()
                        + n.id()))),
                400, "fetch-url-outside-base");
    }

    /** A valid notification, its replay and its repeat (sections 3.2, 3.4, 6.4). */
    private void accepted(String... to) {
        Notification n = probe(to);
        byte[] body = body(n);
        PmpRequest first = request(body).sign(valid());
        Answer answer = wire.send(first);
        recorder.success("3.4", "valid notification → 200", answer, 200, true);
        boolean accepted = answer.answered() && answer.status() == 200;
        Map<String, String> outcomes = null;
        if (accepted) {
            outcomes = receipt(n, answer);
        } else {
            for (String name : List.of("receipt is application/json", "receipt names the notification's id",
                    "receipt has one outcome per notified address", "receipt outcomes are accepted, unknown or blocked")) {
                recorder.skip("3.4", name, "the valid notification was not accepted");
            }
        }
        recorder.refusal("6.4", "notification replayed byte for byte → 401 nonce-reused", wire.send(first),
                401, "nonce-reused");
        // the same signed request with another body: its nonce is used (step 7), but the digest (step 6) comes first
        String usedNonce = "notification with a used nonce and a body that does not match its Content-Digest → "
                + "400 digest-mismatch";
        if (accepted) {
            recorder.refusal("3.3", usedNonce, wire.send(first.body(body(probe(to)))), 400, "digest-mismatch");
        } else {
            recorder.skip("3.3", usedNonce, "the valid notification was not accepted, so its nonce is not known to be used");
        }
        repeated(body, answer, outcomes);
    }

    /**
     * Section 3.2: the notification again, freshly signed, gets the first receipt.
     *
     * @param first    what the first copy was answered
     * @param outcomes the first receipt's outcomes, or null when it could not be read
     */
    private void repeated(byte[] body, Answer first, Map<String, String> outcomes) {
        String name = "notification repeated with a fresh signature → 200 with the same outcomes";
        if (!first.answered() || first.status() != 200) {
            recorder.skip("3.2", name, "the valid notification was not accepted (" + first.describe()
                    + "), so there is no first receipt to compare with");
            return;
        }
        Answer repeat = wire.send(request(body).sign(valid()));
        if (!repeat.answered() || repeat.status() != 200) {
            recorder.fail("3.2", name, "expected 200, got " + repeat.describe());
            return;
        }
        if (outcomes == null) {
            recorder.skip("3.2", name, "the first answer carried no readable receipt to compare with");
            return;
        }
        Map<String, String> again = outcomesOf(repeat);
        recorder.check("3.2", name, outcomes.equals(again), "the first answer gave " + outcomes + ", the repeat "
                + (again == null ? "no receipt: " + repeat.describe() : again));
    }

    /** Checks the receipt of an accepted notification; returns address → outcome, or null. */
    private Map<String, String> receipt(Notification n, Answer answer) {
        recorder.check("3.4", "receipt is application/json", Pmp.MEDIA_TYPE_JSON.equals(answer.mediaType()),
                "Content-Type " + answer.header("Content-Type").orElse("missing"));
        Receipt receipt;
        try {
            receipt = PmpJson.read(answer.body(), Receipt.class, ProblemType.MALFORMED_REQUEST);
        } catch (ProtocolException e) {
            recorder.fail("3.4", "receipt names the notification's id", "the body is no receipt: " + e.detail());
            recorder.skip("3.4", "receipt has one outcome per notified address", "no receipt");
            recorder.skip("3.4", "receipt outcomes are accepted, unknown or blocked", "no receipt");
            return null;
        }
        recorder.check("3.4", "receipt names the notification's id", n.id().equals(receipt.id()),
                "expected id \"" + n.id() + "\", got " + (receipt.id() == null ? "none" : "\"" + receipt.id() + "\""));
        List<String> notified = n.recipients().stream().map(Notification.Recipient::address).sorted().toList();
        List<Receipt.Outcome> entries = receipt.recipients() == null ? List.of() : receipt.recipients();
        List<String> answered = entries.stream().map(Receipt.Outcome::address).map(String::valueOf).sorted().toList();
        recorder.check("3.4", "receipt has one outcome per notified address", notified.equals(answered),
                "notified " + notified + ", the receipt answers for " + answered);
        List<String> wrong = entries.stream().map(Receipt.Outcome::outcome).filter(o -> !OUTCOMES.contains(o))
                .map(String::valueOf).toList();
        recorder.check("3.4", "receipt outcomes are accepted, unknown or blocked", !entries.isEmpty() && wrong.isEmpty(),
                entries.isEmpty() ? "no outcomes" : "outcome " + String.join(", ", wrong));
        return outcomesOf(answer);
    }

    private static Map<String, String> outcomesOf(Answer answer) {
        try {
            Receipt receipt = PmpJson.read(answer.body(), Receipt.class, ProblemType.MALFORMED_REQUEST);
            Map<String, String> outcomes = new HashMap<>();
            if (receipt.recipients() != null) {
                receipt.recipients().forEach(o -> outcomes.put(o.address(), o.outcome()));
            }
            return outcomes;
        } catch (ProtocolException e) {
            return null;
        }
    }

    private Signature valid() {
        return Signature.of(keys.published, SignatureProfile.NOTIFICATION);
    }

    private PmpRequest request(byte[] body) {
        return PmpRequest.postJson(notifyUrl, body);
    }

    private Answer send(PmpRequest request) {
        return wire.send(request);
    }

    private Answer sendSigned(byte[] body) {
        return wire.send(request(body).sign(valid()));
    }

    /**
     * A valid notification from probe@ the peer domain, with a fresh id and fresh tokens, for a message
     * the peer really serves.
     */
    private Notification probe(String... to) {
        String id = "conformance-" + UUID.randomUUID();
        String from = "probe@" + peer.domain();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        byte[] message = PeerOutbox.compose(id, from, String.join(", ", to), now);
        List<Notification.Recipient> recipients = new ArrayList<>();
        Map<String, String> byToken = new LinkedHashMap<>();
        for (String address : to) {
            String token = token();
            recipients.add(new Notification.Recipient(address, token));
            byToken.put(token, address);
        }
        outbox.add(id, new PeerOutbox.Message(message, byToken));
        return new Notification(id, from, recipients, "PMP/1 conformance probe", message.length,
                ContentDigest.sha256(message), peer.fetchBase() + id, now, now.plus(Duration.ofDays(1)));
    }

    /** A valid notification to so many recipients of the domain that it exceeds 4096 bytes. */
    private Notification oversized() {
        Notification n = probe("conformance-probe@" + domain);
        List<Notification.Recipient> recipients = new ArrayList<>(n.recipients());
        while (body(n).length <= Pmp.MAX_NOTIFICATION_BYTES && recipients.size() < Pmp.MAX_RECIPIENTS_PER_NOTIFICATION) {
            recipients.add(new Notification.Recipient("conformance-probe-" + recipients.size() + "@" + domain, token()));
            n = with(n, List.copyOf(recipients), n.fetchUrl());
        }
        return n;
    }

    private static Notification with(Notification n, List<Notification.Recipient> recipients, String fetchUrl) {
        return new Notification(n.id(), n.from(), recipients, n.subject(), n.size(), n.digest(), fetchUrl, n.sentAt(),
                n.expiresAt());
    }

    private static byte[] body(Notification n) {
        return PmpJson.write(n);
    }

    static String token() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
