package org.pullmail.outbox.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import org.pullmail.outbox.OutboxProperties;
import org.pullmail.outbox.delivery.CapabilityToken;
import org.pullmail.outbox.delivery.DeliveryState;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.StatusReport;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.PmpVerifier;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.IncomingRequests;
import org.pullmail.service.MessageBytes;
import org.pullmail.service.PullmailProperties;
import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Serves PMP/1 fetches and takes status reports (PROTOCOL.md sections 4 and 5). The token is looked
 * up first, then the signature is checked against the keys of the token's recipient domain, and only
 * then does the answer reveal whether the message was recalled or expired.
 */
@RestController
class FetchController {

    private record Delivery(UUID id, UUID messageId, String recipient, String recipientDomain, String state,
            boolean contentStored, String digest, long size, Instant expiresAt, Instant recalledAt, Instant storedAt) {
    }

    private final JdbcClient jdbc;
    private final MessageBytes bytes;
    private final TransactionTemplate tx;
    private final PmpVerifier verifier;
    private final DiscoveryClient discovery;
    private final PullmailProperties pullmail;
    private final OutboxProperties outbox;
    private final FailedFetchLimits failures;
    private final Clock clock;
    private final MeterRegistry meters;

    FetchController(JdbcClient jdbc, MessageBytes bytes, TransactionTemplate tx, PmpVerifier verifier, DiscoveryClient discovery,
            PullmailProperties pullmail, OutboxProperties outbox, FailedFetchLimits failures, Clock clock,
            MeterRegistry meters) {
        this.outbox = outbox;
        this.failures = failures;
        this.meters = meters;
        meters.counter("pullmail.fetches.served");
        this.jdbc = jdbc;
        this.bytes = bytes;
        this.tx = tx;
        this.verifier = verifier;
        this.discovery = discovery;
        this.pullmail = pullmail;
        this.clock = clock;
    }

    /** The message's bytes, streamed from storage chunk by chunk with their Content-Length and Content-Digest. */
    @GetMapping(Pmp.FETCH_PATH + "/{id}")
    void fetch(@PathVariable String id, HttpServletRequest request, HttpServletResponse response)
            throws ProtocolException, IOException {
        Delivery delivery = authorize(id, request, null, SignatureProfile.FETCH);
        if (delivery.recalledAt() != null || "recalled".equals(delivery.state())) {
            throw new ProtocolException(ProblemType.RECALLED, "the sender recalled this message");
        }
        if (delivery.expiresAt().isBefore(clock.instant())) {
            throw new ProtocolException(ProblemType.EXPIRED, "this message expired before it was fetched");
        }
        if ("declined".equals(delivery.state()) || "spam".equals(delivery.state())) {
            throw new ProtocolException(ProblemType.NOT_FOUND, "no such message for this capability");
        }
        if ("stored".equals(delivery.state()) && delivery.storedAt() != null
                && delivery.storedAt().plus(outbox.storedTokenGrace()).isBefore(clock.instant())) {
            throw new ProtocolException(ProblemType.ALREADY_STORED,
                    "your domain reported this message stored at " + delivery.storedAt()
                            + "; its token fetched for " + outbox.storedTokenGrace() + " after that");
        }
        if (!delivery.contentStored()) {
            // retention removes the bytes only once every recipient is done with the message, or it expired
            throw new ProtocolException(ProblemType.EXPIRED, "this message's bytes are no longer kept");
        }
        // failed too: after an admin resent a notification that gave up, the fetch may come before the outcome
        jdbc.sql("""
                UPDATE delivery SET state = 'fetched', fetched_at = :now, notified_at = COALESCE(notified_at, :now)
                WHERE id = :id AND state IN ('queued', 'notified', 'failed')""")
                .param("now", Timestamp.from(clock.instant())).param("id", delivery.id()).update();
        meters.counter("pullmail.fetches.served").increment();
        response.setContentType(Pmp.MEDIA_TYPE_MESSAGE);
        response.setHeader("Content-Digest", delivery.digest());
        response.setHeader("Cache-Control", CacheControl.noStore().getHeaderValue());
        response.setContentLengthLong(delivery.size());
        try (InputStream in = bytes.reader(delivery.messageId(), delivery.size())) {
            in.transferTo(response.getOutputStream());
        }
    }

    @PostMapping(Pmp.FETCH_PATH + "/{id}/status")
    ResponseEntity<Void> status(@PathVariable String id, HttpServletRequest request) throws ProtocolException {
        if (!Pmp.isJson(request.getContentType())) {
            throw new ProtocolException(ProblemType.UNSUPPORTED_MEDIA_TYPE, "a status report is application/json");
        }
        byte[] body = readBody(request);
        Delivery delivery = authorize(id, request, body, SignatureProfile.STATUS);
        StatusReport report = PmpJson.readStatusReport(body);
        UUID messageId = UUID.fromString(id);
        Timestamp now = Timestamp.from(clock.instant());
        ProtocolException refusal = tx.execute(s -> {
            // the named deliveries of this message in the token's domain, locked: two reports for one
            // recipient are judged one after the other
            Map<String, DeliveryState> states = new HashMap<>();
            jdbc.sql("""
                    SELECT recipient, state FROM delivery
                    WHERE message_id = :id AND recipient_domain = :domain AND recipient IN (:recipients)
                    ORDER BY recipient FOR UPDATE""")
                    .param("id", messageId).param("domain", delivery.recipientDomain())
                    .param("recipients", report.recipients().stream().map(StatusReport.RecipientStatus::address).toList())
                    .query(rs -> {
                        states.put(rs.getString("recipient"), DeliveryState.of(rs.getString("state")));
                    });
            for (StatusReport.RecipientStatus r : report.recipients()) {
                if (!states.containsKey(r.address())) {
                    return new ProtocolException(ProblemType.WRONG_DOMAIN,
                            r.address() + " is not a recipient of this message in " + delivery.recipientDomain());
                }
            }
            // all or nothing: applied only if every entry is allowed (no address is named twice, PROTOCOL.md 5.2)
            List<StatusReport.RecipientStatus> changes = new ArrayList<>();
            for (StatusReport.RecipientStatus r : report.recipients()) {
                DeliveryState current = states.get(r.address());
                switch (current.onReport(r.status())) {
                    case APPLY -> {
                        changes.add(r);
                        states.put(r.address(), DeliveryState.reported(r.status()));
                    }
                    case REPEAT -> {
                    }
                    case CONFLICT -> {
                        return new ProtocolException(ProblemType.STATUS_CONFLICT, r.address() + " is "
                                + current.wire() + ": a report of " + r.status().name().toLowerCase(Locale.ROOT)
                                + " cannot follow it");
                    }
                }
            }
            for (StatusReport.RecipientStatus r : changes) {
                String sql = switch (r.status()) {
                    case STORED -> """
                            UPDATE delivery SET state = 'stored', stored_at = :now, fetched_at = COALESCE(fetched_at, :now),
                                   notified_at = COALESCE(notified_at, :now)
                            WHERE message_id = :id AND recipient = :r""";
                    case DECLINED -> """
                            UPDATE delivery SET state = 'declined', declined_at = :now, detail = 'declined by the recipient',
                                   notified_at = COALESCE(notified_at, :now)
                            WHERE message_id = :id AND recipient = :r""";
                    // a complaint about stored mail keeps when it was stored
                    case SPAM -> """
                            UPDATE delivery SET declined_at = :now, notified_at = COALESCE(notified_at, :now),
                                   detail = CASE WHEN state = 'stored' THEN 'reported as spam after delivery'
                                                 ELSE 'reported as spam' END,
                                   state = 'spam'
                            WHERE message_id = :id AND recipient = :r""";
                };
                jdbc.sql(sql).param("now", now).param("id", messageId).param("r", r.address()).update();
            }
            return null;
        });
        if (refusal != null) {
            throw refusal;
        }
        return ResponseEntity.noContent().build();
    }

    /** Token, then signature by the token's recipient domain. Returns the delivery the token grants. */
    private Delivery authorize(String id, HttpServletRequest request, byte[] body, SignatureProfile profile)
            throws ProtocolException {
        String client = IncomingRequests.clientAddress(request);
        String authorization = request.getHeader("Authorization");
        String prefix = Pmp.CAPABILITY_SCHEME + " ";
        String token = authorization != null && authorization.regionMatches(true, 0, prefix, 0, prefix.length())
                ? authorization.substring(prefix.length()).trim() : null;
        boolean wellFormed = token != null && CapabilityToken.isWellFormed(token);
        // a client (or a token) that failed too often is refused before anything is looked up
        failures.check(client, wellFormed ? token : null);
        try {
            return authorize(id, request, body, profile, wellFormed ? token : null);
        } catch (ProtocolException e) {
            if (e.type() != ProblemType.DISCOVERY_FAILED) {
                failures.failed(client, wellFormed ? token : null);
            }
            throw e;
        }
    }

    private Delivery authorize(String id, HttpServletRequest request, byte[] body, SignatureProfile profile,
            String token) throws ProtocolException {
        if (token == null) {
            throw new ProtocolException(ProblemType.CAPABILITY_MISSING,
                    "send Authorization: PMP-Capability <token> from the notification");
        }
        UUID messageId;
        try {
            messageId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ProblemType.NOT_FOUND, "no such message");
        }
        byte[] hash = CapabilityToken.hash(token);
        Delivery delivery = jdbc.sql("""
                SELECT d.id, d.recipient, d.recipient_domain, d.state, m.content_deleted_at IS NULL AS stored, m.digest,
                       m.size, m.expires_at, m.recalled_at, d.stored_at
                FROM delivery d JOIN message m ON m.id = d.message_id
                WHERE d.token_hash = ? AND d.message_id = ?""")
                .params(hash, messageId)
                .query((rs, n) -> new Delivery(rs.getObject("id", UUID.class), messageId, rs.getString("recipient"),
                        rs.getString("recipient_domain"), rs.getString("state"), rs.getBoolean("stored"),
                        rs.getString("digest"), rs.getLong("size"), rs.getTimestamp("expires_at").toInstant(),
                        rs.getTimestamp("recalled_at") == null ? null : rs.getTimestamp("recalled_at").toInstant(),
                        rs.getTimestamp("stored_at") == null ? null : rs.getTimestamp("stored_at").toInstant()))
                .optional()
                .orElseThrow(() -> new ProtocolException(ProblemType.NOT_FOUND, "no such message for this capability"));
        verifier.verify(view(request), body, profile, kid -> discovery.key(delivery.recipientDomain(), kid));
        return delivery;
    }

    private HttpRequestView view(HttpServletRequest request) {
        return IncomingRequests.view(request, IncomingRequests.publicTarget(request, pullmail));
    }

    private static byte[] readBody(HttpServletRequest request) throws ProtocolException {
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes(Pmp.MAX_NOTIFICATION_BYTES + 1);
            if (body.length > Pmp.MAX_NOTIFICATION_BYTES) {
                throw new ProtocolException(ProblemType.TOO_LARGE, "a status report is at most 4096 bytes");
            }
            return body;
        } catch (IOException e) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "the body could not be read");
        }
    }

}
