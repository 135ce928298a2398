package org.pullmail.conformance;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;

/**
 * Fetches and status reports (PROTOCOL.md 4 and 5) against messages the deployment announced to the
 * kit's peer domain. The deployment is made to send them through {@code --send-as}, or a user sends one
 * while the kit waits. Three messages with {@code --send-as}: the first is fetched and reported on, the
 * second recalled before any fetch, the third declined before any fetch.
 */
final class DeliveryChecks {

    /** A status report as sent: status values are not limited to the known ones, so that "read" can be sent. */
    record StatusBody(List<Entry> recipients) {
        record Entry(String address, String status) {
        }
    }

    /** A message the deployment announced: the notification and the recipient whose token the kit uses. */
    private record Announced(Notification notification, URI fetchUrl, String recipient, String token) {
    }

    private final Options options;
    private final DiscoveryDocument target;
    private final PeerDomain peer;
    private final PeerKeys keys;
    private final InboundNotifications inbound;
    private final Wire wire;
    private final Recorder recorder;

    DeliveryChecks(Options options, DiscoveryDocument target, PeerDomain peer, PeerKeys keys,
            InboundNotifications inbound, Wire wire, Recorder recorder) {
        this.options = options;
        this.target = target;
        this.peer = peer;
        this.keys = keys;
        this.inbound = inbound;
        this.wire = wire;
        this.recorder = recorder;
    }

    /**
     * The probe messages the deployment was asked to send.
     *
     * @param api        the logged-in API of --send-as, or null
     * @param ids        the ids of the messages sent through it, in order: fetch, recall, decline
     * @param notArrived why a check skips when a notification does not come
     */
    private record Probes(PullmailApi api, List<String> ids, String notArrived) {
    }

    void run() throws InterruptedException {
        Probes probes = sendProbes();
        List<Optional<Announced>> announced = new ArrayList<>();
        if (options.sendAs() == null) {
            announced.add(await(n -> true));
        } else if (probes.ids().isEmpty()) {
            announced.add(Optional.empty());
        } else {
            for (String id : probes.ids()) {
                announced.add(await(n -> n.fetchUrl() != null && n.fetchUrl().endsWith("/" + id)));
            }
        }

        if (!inbound.report(recorder)) {
            recorder.skip("3.1", "notifications the deployment sends to the kit", probes.notArrived());
        }
        Optional<Announced> first = announced.get(0);
        if (first.isPresent()) {
            fetches(first.get());
            statusReports(first.get());
        } else {
            recorder.skip("4.3", "fetch refusals and the fetched message", probes.notArrived());
            recorder.skip("5.2", "status report refusals and the delivery's states", probes.notArrived());
        }
        if (announced.size() < 3) {
            String why = options.sendAs() == null ? "needs --send-as" : probes.notArrived();
            recorder.skip("4.3", "fetch of a recalled message", why);
            recorder.skip("5.3", "status reports on a declined message", why);
            return;
        }
        if (announced.get(1).isPresent()) {
            recalled(probes.api(), probes.ids().get(1), announced.get(1).get());
        } else {
            recorder.skip("4.3", "fetch of a recalled message", probes.notArrived());
        }
        if (announced.get(2).isPresent()) {
            declined(announced.get(2).get());
        } else {
            recorder.skip("5.3", "status reports on a declined message", probes.notArrived());
        }
    }

    /** With --send-as, sends the three probe messages; without, asks the user to send one. */
    private Probes sendProbes() {
        String probe = "probe@" + peer.domain();
        long seconds = options.waitFor().toSeconds();
        if (options.sendAs() == null) {
            recorder.say("send a message to " + probe + " from " + options.domain() + "; waiting " + seconds + " s");
            return new Probes(null, List.of(), "no notification from " + options.domain() + " within " + seconds + " s");
        }
        try {
            PullmailApi api = PullmailApi.login(wire, options.sendAs());
            List<String> ids = List.of(
                    api.send(probe, "PMP/1 conformance probe 1: fetch and status", "Fetched and reported on."),
                    api.send(probe, "PMP/1 conformance probe 2: recall", "Recalled before any fetch."),
                    api.send(probe, "PMP/1 conformance probe 3: decline", "Declined before any fetch."));
            recorder.say("sent 3 messages from " + options.sendAs().address() + " to " + probe + "; waiting up to "
                    + seconds + " s for each notification");
            return new Probes(api, ids, "no notification from " + options.domain() + " within " + seconds
                    + " s; does it know " + peer.domain() + " through a static discovery entry?");
        } catch (PullmailApi.ApiException e) {
            recorder.say("pmp-conformance: --send-as failed: " + e.getMessage());
            return new Probes(null, List.of(), "--send-as failed: " + e.getMessage());
        }
    }

    private Optional<Announced> await(Predicate<Notification> wanted) throws InterruptedException {
        String probe = "probe@" + peer.domain();
        Optional<InboundNotifications.Received> received = inbound.await(n -> n.recipients() != null
                && !n.recipients().isEmpty() && wanted.test(n), options.waitFor());
        if (received.isEmpty()) {
            return Optional.empty();
        }
        Notification n = received.get().notification();
        Notification.Recipient recipient = n.recipients().stream()
                .filter(r -> r != null && probe.equals(r.address())).findFirst().orElse(n.recipients().get(0));
        try {
            return Optional.of(new Announced(n, new URI(n.fetchUrl()), recipient.address(), recipient.token()));
        } catch (URISyntaxException | NullPointerException e) {
            return Optional.empty(); // the notification checks report the unusable fetch_url
        }
    }

    /** Section 4.3's refusals in its order, each alone and two at once, then a valid fetch and its replay. */
    private void fetches(Announced m) {
        URI url = m.fetchUrl();
        Signature fetch = fetchSignature();
        recorder.refusal("4.3", "fetch without Authorization → 401 capability-missing",
                wire.send(PmpRequest.get(url)), 401, "capability-missing", false);
        recorder.refusal("4.3", "fetch with Authorization PMP-Capability abc → 401 capability-missing",
                wire.send(PmpRequest.capability(PmpRequest.get(url), "abc").sign(fetch)), 401, "capability-missing", false);
        recorder.refusal("4.3", "fetch with a well-formed token that is not the message's → 404 not-found",
                wire.send(PmpRequest.capability(PmpRequest.get(url), NotificationChecks.token()).sign(fetch)),
                404, "not-found", false);
        recorder.refusal("4.3", "fetch of an unknown message with a real token → 404 not-found",
                wire.send(PmpRequest.capability(PmpRequest.get(unknownMessage()), m.token()).sign(fetch)),
                404, "not-found", false);
        recorder.refusal("4.3", "unsigned fetch → 401 signature-missing",
                wire.send(PmpRequest.capability(PmpRequest.get(url), m.token())), 401, "signature-missing", false);
        // two faults at once: the earlier row of 4.3's table answers
        recorder.refusal("4.3", "fetch with Authorization PMP-Capability abc and without a signature → 401 capability-missing",
                wire.send(PmpRequest.capability(PmpRequest.get(url), "abc")), 401, "capability-missing", false);
        recorder.refusal("4.3", "fetch with a token that is not the message's and without a signature → 404 not-found",
                wire.send(PmpRequest.capability(PmpRequest.get(url), NotificationChecks.token())), 404, "not-found", false);
        recorder.refusal("4.2", "fetch signed with a key the recipient's domain does not publish → 401 unknown-key",
                wire.send(PmpRequest.capability(PmpRequest.get(url), m.token())
                        .sign(Signature.of(keys.unpublished, SignatureProfile.FETCH))),
                401, "unknown-key");
        recorder.refusal("4.3", "fetch with a corrupted signature → 401 signature-invalid",
                wire.send(PmpRequest.capability(PmpRequest.get(url), m.token()).sign(fetch).corruptSignature()),
                401, "signature-invalid");
        recorder.refusal("6.4", "fetch signed 400 s ago → 401 signature-expired",
                wire.send(PmpRequest.capability(PmpRequest.get(url), m.token()).sign(fetch.aged(Duration.ofSeconds(400)))),
                401, "signature-expired", false);
        recorder.refusal("6.2", "fetch signature not covering authorization → 401 signature-profile",
                wire.send(PmpRequest.capability(PmpRequest.get(url), m.token())
                        .sign(fetch.covering(List.of("@method", "@target-uri")))),
                401, "signature-profile", false);

        PmpRequest valid = PmpRequest.capability(PmpRequest.get(url), m.token()).sign(fetch);
        Answer answer = wire.send(valid);
        if (recorder.success("4.3", "valid fetch → 200", answer, 200, true).status() == Result.Status.PASS) {
            checkMessage(m.notification(), answer);
        } else {
            for (String name : List.of("fetched message is message/rfc822", "fetch answers Content-Length = notified size",
                    "fetch answers Content-Digest = notified digest", "fetch answers Cache-Control: no-store",
                    "fetched bytes match the notified size and SHA-256")) {
                recorder.skip("4.3", name, "the valid fetch was refused");
            }
        }
        recorder.refusal("6.4", "fetch replayed byte for byte → 401 nonce-reused", wire.send(valid), 401, "nonce-reused");
    }

    /** Section 4.3: what a successful fetch must answer, compared with what was notified. */
    private void checkMessage(Notification n, Answer answer) {
        recorder.check("4.3", "fetched message is message/rfc822", Pmp.MEDIA_TYPE_MESSAGE.equals(answer.mediaType()),
                "Content-Type " + answer.header("Content-Type").orElse("missing"));
        Optional<String> length = answer.header("Content-Length");
        recorder.check("4.3", "fetch answers Content-Length = notified size",
                length.isPresent() && length.get().trim().equals(Long.toString(n.size())),
                "notified size " + n.size() + ", Content-Length " + length.orElse("missing"));
        Optional<String> digest = answer.header("Content-Digest");
        recorder.check("4.3", "fetch answers Content-Digest = notified digest",
                digest.isPresent() && sameSha256(digest.get(), n.digest()),
                "notified " + n.digest() + ", Content-Digest " + digest.orElse("missing"));
        Optional<String> cacheControl = answer.header("Cache-Control");
        recorder.check("4.3", "fetch answers Cache-Control: no-store",
                cacheControl.isPresent() && cacheControl.get().toLowerCase(Locale.ROOT).contains("no-store"),
                "Cache-Control " + cacheControl.orElse("missing"));
        byte[] body = answer.body();
        boolean bytesMatch = body.length == n.size() && n.digest() != null
                && sameSha256(ContentDigest.sha256(body), n.digest());
        recorder.check("4.3", "fetched bytes match the notified size and SHA-256", bytesMatch,
                body.length + " bytes with " + ContentDigest.sha256(body) + ", notified " + n.size() + " bytes with "
                        + n.digest());
    }

    /** Section 5.2's refusals in their order, each alone and two at once, then the delivery's states. */
    private void statusReports(Announced m) {
        URI url = statusUrl(m.fetchUrl());
        String me = m.recipient();
        byte[] stored = report(me, "stored");
        Signature status = statusSignature();

        recorder.refusal("5.2", "status report with Content-Type text/plain → 415 unsupported-media-type",
                wire.send(report(url, m.token(), stored).header("Content-Type", "text/plain").sign(status)),
                415, "unsupported-media-type", false);
        recorder.refusal("5.2", "status report over 4096 bytes → 413 too-large",
                wire.send(report(url, m.token(), oversized(me)).sign(status)), 413, "too-large", false);
        recorder.refusal("5.2", "status report without Authorization → 401 capability-missing",
                wire.send(PmpRequest.postJson(url, stored)), 401, "capability-missing", false);
        recorder.refusal("5.2", "status report with a token that is not the message's → 404 not-found",
                wire.send(report(url, NotificationChecks.token(), stored).sign(status)), 404, "not-found", false);
        recorder.refusal("5.2", "status report on an unknown message with a real token → 404 not-found",
                wire.send(report(statusUrl(unknownMessage()), m.token(), stored).sign(status)), 404, "not-found", false);
        recorder.refusal("5.2", "unsigned status report → 401 signature-missing",
                wire.send(report(url, m.token(), stored)), 401, "signature-missing", false);
        recorder.refusal("5.2", "status report signed with a key the recipient's domain does not publish → 401 unknown-key",
                wire.send(report(url, m.token(), stored).sign(Signature.of(keys.unpublished, SignatureProfile.STATUS))),
                401, "unknown-key");
        recorder.refusal("5.2", "status report with a corrupted signature → 401 signature-invalid",
                wire.send(report(url, m.token(), stored).sign(status).corruptSignature()), 401, "signature-invalid");
        recorder.refusal("5.2", "status report signed 400 s ago → 401 signature-expired",
                wire.send(report(url, m.token(), stored).sign(status.aged(Duration.ofSeconds(400)))),
                401, "signature-expired", false);
        recorder.refusal("5.2", "status signature not covering content-digest → 401 signature-profile",
                wire.send(report(url, m.token(), stored).sign(status.covering(
                        List.of("@method", "@target-uri", "authorization", "content-type")))),
                401, "signature-profile", false);
        // the same report with a trailing newline: harmless should the deployment take it anyway
        byte[] tampered = (new String(stored, StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8);
        recorder.refusal("5.2", "tampered status report with the original Content-Digest → 400 digest-mismatch",
                wire.send(report(url, m.token(), stored).sign(status).body(tampered)), 400, "digest-mismatch");

        recorder.refusal("5.2", "status report that is not JSON → 400 malformed-request",
                wire.send(report(url, m.token(), "not JSON".getBytes(StandardCharsets.UTF_8)).sign(status)),
                400, "malformed-request");
        recorder.refusal("5.2", "status report without recipients → 400 malformed-request",
                wire.send(report(url, m.token(), PmpJson.write(new StatusBody(List.of()))).sign(status)),
                400, "malformed-request");
        recorder.refusal("5.2", "status report of 101 recipients → 400 malformed-request",
                wire.send(report(url, m.token(), PmpJson.write(new StatusBody(
                        Collections.nCopies(101, new StatusBody.Entry("a@b.cc", "stored"))))).sign(status)),
                400, "malformed-request");
        recorder.refusal("5.2", "status report with status \"read\" → 400 malformed-request",
                wire.send(report(url, m.token(), report(me, "read")).sign(status)), 400, "malformed-request");
        recorder.refusal("5.2", "status report for an address that is not a recipient → 403 wrong-domain",
                wire.send(report(url, m.token(), report("conformance-nobody@" + peer.domain(), "stored")).sign(status)),
                403, "wrong-domain");
        recorder.refusal("5.2", "status report for an address of the sender's domain → 403 wrong-domain",
                wire.send(report(url, m.token(), report("conformance-probe@" + options.domain(), "stored")).sign(status)),
                403, "wrong-domain");

        // two faults at once: the earlier step of 5.2's table answers
        recorder.refusal("5.2", "status report with Content-Type text/plain and without Authorization → 415 "
                        + "unsupported-media-type",
                wire.send(PmpRequest.postJson(url, stored).header("Content-Type", "text/plain")),
                415, "unsupported-media-type", false);
        recorder.refusal("5.2", "status report without Authorization and over 4096 bytes → 413 too-large",
                wire.send(PmpRequest.postJson(url, oversized(me))), 413, "too-large", false);
        recorder.refusal("5.2", "status report with a token that is not the message's and without a signature → 404 "
                        + "not-found",
                wire.send(report(url, NotificationChecks.token(), stored)), 404, "not-found", false);
        recorder.refusal("5.2", "status report with status \"read\" and for an address that is not a recipient → 400 "
                        + "malformed-request",
                wire.send(report(url, m.token(), report("conformance-nobody@" + peer.domain(), "read")).sign(status)),
                400, "malformed-request");

        PmpRequest first = report(url, m.token(), stored).sign(status);
        boolean storedAccepted = recorder.noContent("5.3", "status stored after the fetch → 204", wire.send(first))
                .status() == Result.Status.PASS;
        fetchAfterStored(m);
        recorder.refusal("6.4", "status report replayed byte for byte → 401 nonce-reused", wire.send(first),
                401, "nonce-reused");
        // the same signed report with another body: its nonce is used (step 7), but the digest (step 6) comes first
        String usedNonce = "status report with a used nonce and a body that does not match its Content-Digest → 400 "
                + "digest-mismatch";
        if (storedAccepted) {
            recorder.refusal("5.2", usedNonce, wire.send(first.body(tampered)), 400, "digest-mismatch");
        } else {
            recorder.skip("5.2", usedNonce, "the report of stored was not accepted, so its nonce is not known to be used");
        }
        recorder.noContent("5.3", "status stored again, freshly signed → 204",
                wire.send(report(url, m.token(), stored).sign(status)));
        recorder.refusal("5.3", "status declined after stored → 409 status-conflict",
                wire.send(report(url, m.token(), report(me, "declined")).sign(status)), 409, "status-conflict");
        // the conflicting entry first: every address is checked (step 9) before any status (step 10)
        recorder.refusal("5.2", "status report of declined after stored and for an address that is not a recipient → "
                        + "403 wrong-domain",
                wire.send(report(url, m.token(), PmpJson.write(new StatusBody(List.of(new StatusBody.Entry(me, "declined"),
                        new StatusBody.Entry("conformance-nobody@" + peer.domain(), "stored"))))).sign(status)),
                403, "wrong-domain");
        recorder.noContent("5.3", "status spam after stored → 204",
                wire.send(report(url, m.token(), report(me, "spam")).sign(status)));
        recorder.refusal("5.3", "status stored after spam → 409 status-conflict",
                wire.send(report(url, m.token(), stored).sign(status)), 409, "status-conflict");
        recorder.refusal("5.4", "fetch after spam → 404 not-found", fetch(m), 404, "not-found");
    }

    /**
     * Section 5.4: the token still fetches right after {@code stored}. How long is the sender's choice, which
     * SHOULD be at least an hour, so a grace period already over is a warning; any other answer fails.
     */
    private void fetchAfterStored(Announced m) {
        String name = "fetch right after stored, within the grace period → 200";
        Answer answer = fetch(m);
        if (answer.answered() && answer.status() == 410 && answer.slug().filter("already-stored"::equals).isPresent()) {
            recorder.warn("5.4", name, "got 410 already-stored at once: the grace period after stored SHOULD last at"
                    + " least an hour");
        } else {
            recorder.success("5.4", name, answer, 200, true);
        }
    }

    /** The second message: recalled through the API before any fetch (section 4.3's order). */
    private void recalled(PullmailApi api, String id, Announced m) {
        try {
            api.recall(id);
        } catch (PullmailApi.ApiException e) {
            recorder.skip("4.3", "fetch of a recalled message", e.getMessage());
            return;
        }
        recorder.refusal("4.3", "fetch of a recalled message with a token that is not its own → 404 not-found",
                wire.send(PmpRequest.capability(PmpRequest.get(m.fetchUrl()), NotificationChecks.token())
                        .sign(fetchSignature())),
                404, "not-found", false);
        recorder.refusal("4.3", "unsigned fetch of a recalled message → 401 signature-missing",
                wire.send(PmpRequest.capability(PmpRequest.get(m.fetchUrl()), m.token())), 401, "signature-missing", false);
        recorder.refusal("4.3", "valid fetch of a recalled message → 410 recalled", fetch(m), 410, "recalled");
    }

    /** The third message: declined before any fetch, after which its token is dead (section 5). */
    private void declined(Announced m) {
        URI url = statusUrl(m.fetchUrl());
        recorder.noContent("5.3", "status declined before any fetch → 204",
                wire.send(report(url, m.token(), report(m.recipient(), "declined")).sign(statusSignature())));
        recorder.refusal("5.4", "fetch after declined → 404 not-found", fetch(m), 404, "not-found");
        recorder.refusal("5.3", "status stored after declined → 409 status-conflict",
                wire.send(report(url, m.token(), report(m.recipient(), "stored")).sign(statusSignature())),
                409, "status-conflict");
        recorder.noContent("5.3", "status spam after declined → 204",
                wire.send(report(url, m.token(), report(m.recipient(), "spam")).sign(statusSignature())));
    }

    private Answer fetch(Announced m) {
        return wire.send(PmpRequest.capability(PmpRequest.get(m.fetchUrl()), m.token()).sign(fetchSignature()));
    }

    private Signature fetchSignature() {
        return Signature.of(keys.published, SignatureProfile.FETCH);
    }

    private Signature statusSignature() {
        return Signature.of(keys.published, SignatureProfile.STATUS);
    }

    private static PmpRequest report(URI statusUrl, String token, byte[] body) {
        return PmpRequest.capability(PmpRequest.postJson(statusUrl, body), token);
    }

    private static byte[] report(String address, String status) {
        return PmpJson.write(new StatusBody(List.of(new StatusBody.Entry(address, status))));
    }

    /** A report of 100 entries or fewer that exceeds 4096 bytes. */
    private static byte[] oversized(String address) {
        List<StatusBody.Entry> entries = new ArrayList<>();
        byte[] body = PmpJson.write(new StatusBody(entries));
        while (body.length <= Pmp.MAX_NOTIFICATION_BYTES && entries.size() < Pmp.MAX_RECIPIENTS_PER_NOTIFICATION) {
            entries.add(new StatusBody.Entry(address, "stored"));
            body = PmpJson.write(new StatusBody(entries));
        }
        return body;
    }

    /** A message URL under the deployment's fetch_base that names no message. */
    private URI unknownMessage() {
        return URI.create(target.fetchBase() + UUID.randomUUID());
    }

    /** {@code {fetch_url}/status}, built as both sides must build it (PROTOCOL.md 5.1). */
    private static URI statusUrl(URI fetchUrl) {
        return URI.create(Pmp.statusUrl(fetchUrl.toString()));
    }

    private static boolean sameSha256(String a, String b) {
        try {
            return MessageDigest.isEqual(ContentDigest.sha256Of(a), ContentDigest.sha256Of(b));
        } catch (ProtocolException | RuntimeException e) {
            return false;
        }
    }
}
