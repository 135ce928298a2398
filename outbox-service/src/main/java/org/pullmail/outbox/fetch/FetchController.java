package org.pullmail.outbox.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import org.pullmail.outbox.delivery.CapabilityToken;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.StatusReport;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.PmpVerifier;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
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

/**
 * Serves PMP/1 fetches and takes status reports (PROTOCOL.md sections 4 and 5). The token is looked
 * up first, then the signature is checked against the keys of the token's recipient domain, and only
 * then does the answer reveal whether the message was recalled or expired.
 */
@RestController
class FetchController {

    private record Delivery(UUID id, String recipient, String recipientDomain, String state, byte[] content,
            String digest, long size, Instant expiresAt, Instant recalledAt) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final PmpVerifier verifier;
    private final DiscoveryClient discovery;
    private final PullmailProperties pullmail;
    private final Clock clock;
    private final io.micrometer.core.instrument.MeterRegistry meters;

    FetchController(JdbcClient jdbc, TransactionTemplate tx, PmpVerifier verifier, DiscoveryClient discovery,
            PullmailProperties pullmail, Clock clock, io.micrometer.core.instrument.MeterRegistry meters) {
        this.meters = meters;
        meters.counter("pullmail.fetches.served");
        this.jdbc = jdbc;
        this.tx = tx;
        this.verifier = verifier;
        this.discovery = discovery;
        this.pullmail = pullmail;
        this.clock = clock;
    }

    @GetMapping(Pmp.FETCH_PATH + "/{id}")
    ResponseEntity<byte[]> fetch(@PathVariable String id, HttpServletRequest request) throws ProtocolException {
        Delivery delivery = authorize(id, request, null, SignatureProfile.FETCH);
        if (delivery.recalledAt() != null || "recalled".equals(delivery.state())) {
            throw new ProtocolException(ProblemType.RECALLED, "the sender recalled this message");
        }
        if (delivery.expiresAt().isBefore(clock.instant()) || delivery.content() == null) {
            throw new ProtocolException(ProblemType.EXPIRED, "this message expired before it was fetched");
        }
        if ("declined".equals(delivery.state()) || "spam".equals(delivery.state())) {
            throw new ProtocolException(ProblemType.NOT_FOUND, "no such message for this capability");
        }
        jdbc.sql("""
                UPDATE delivery SET state = 'fetched', fetched_at = :now, notified_at = COALESCE(notified_at, :now)
                WHERE id = :id AND state IN ('queued', 'notified')""")
                .param("now", Timestamp.from(clock.instant())).param("id", delivery.id()).update();
        meters.counter("pullmail.fetches.served").increment();
        return ResponseEntity.ok()
                .header("Content-Type", Pmp.MEDIA_TYPE_MESSAGE)
                .header("Content-Digest", delivery.digest())
                .cacheControl(CacheControl.noStore())
                .body(delivery.content());
    }

    @PostMapping(Pmp.FETCH_PATH + "/{id}/status")
    ResponseEntity<Void> status(@PathVariable String id, HttpServletRequest request) throws ProtocolException {
        byte[] body = readBody(request);
        Delivery delivery = authorize(id, request, body, SignatureProfile.STATUS);
        StatusReport report = PmpJson.readStatusReport(body);
        UUID messageId = UUID.fromString(id);
        for (StatusReport.RecipientStatus r : report.recipients()) {
            boolean ours = Addresses.domainOf(r.address()).equals(delivery.recipientDomain())
                    && jdbc.sql("SELECT count(*) FROM delivery WHERE message_id = ? AND recipient = ?")
                            .params(messageId, r.address()).query(Integer.class).single() == 1;
            if (!ours) {
                throw new ProtocolException(ProblemType.WRONG_DOMAIN,
                        r.address() + " is not a recipient of this message in " + delivery.recipientDomain());
            }
        }
        Timestamp now = Timestamp.from(clock.instant());
        tx.executeWithoutResult(s -> {
            for (StatusReport.RecipientStatus r : report.recipients()) {
                String sql = switch (r.status()) {
                    case STORED -> """
                            UPDATE delivery SET state = 'stored', stored_at = :now, fetched_at = COALESCE(fetched_at, :now),
                                   notified_at = COALESCE(notified_at, :now)
                            WHERE message_id = :id AND recipient = :r AND state IN ('queued', 'notified', 'fetched')""";
                    case DECLINED -> """
                            UPDATE delivery SET state = 'declined', declined_at = :now, detail = 'declined by the recipient'
                            WHERE message_id = :id AND recipient = :r AND state IN ('queued', 'notified')""";
                    case SPAM -> """
                            UPDATE delivery SET state = 'spam', declined_at = :now, detail = 'reported as spam'
                            WHERE message_id = :id AND recipient = :r AND state IN ('queued', 'notified')""";
                };
                jdbc.sql(sql).param("now", now).param("id", messageId).param("r", r.address()).update();
            }
        });
        return ResponseEntity.noContent().build();
    }

    /** Token, then signature by the token's recipient domain. Returns the delivery the token grants. */
    private Delivery authorize(String id, HttpServletRequest request, byte[] body, SignatureProfile profile)
            throws ProtocolException {
        String authorization = request.getHeader("Authorization");
        String prefix = Pmp.CAPABILITY_SCHEME + " ";
        if (authorization == null || !authorization.regionMatches(true, 0, prefix, 0, prefix.length())
                || !CapabilityToken.isWellFormed(authorization.substring(prefix.length()).trim())) {
            throw new ProtocolException(ProblemType.CAPABILITY_MISSING,
                    "send Authorization: PMP-Capability <token> from the notification");
        }
        UUID messageId;
        try {
            messageId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ProblemType.NOT_FOUND, "no such message");
        }
        byte[] hash = CapabilityToken.hash(authorization.substring(prefix.length()).trim());
        Delivery delivery = jdbc.sql("""
                SELECT d.id, d.recipient, d.recipient_domain, d.state, m.content, m.digest, m.size, m.expires_at,
                       m.recalled_at
                FROM delivery d JOIN message m ON m.id = d.message_id
                WHERE d.token_hash = ? AND d.message_id = ?""")
                .params(hash, messageId)
                .query((rs, n) -> new Delivery(rs.getObject("id", UUID.class), rs.getString("recipient"),
                        rs.getString("recipient_domain"), rs.getString("state"), rs.getBytes("content"),
                        rs.getString("digest"), rs.getLong("size"), rs.getTimestamp("expires_at").toInstant(),
                        rs.getTimestamp("recalled_at") == null ? null : rs.getTimestamp("recalled_at").toInstant()))
                .optional()
                .orElseThrow(() -> new ProtocolException(ProblemType.NOT_FOUND, "no such message for this capability"));
        verifier.verify(view(request), body, profile, kid -> discovery.key(delivery.recipientDomain(), kid));
        return delivery;
    }

    private HttpRequestView view(HttpServletRequest request) {
        String target = request.getRequestURI() + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
        HttpRequestView view = new HttpRequestView(request.getMethod(), pullmail.publicUri(target));
        for (String name : Collections.list(request.getHeaderNames())) {
            Collections.list(request.getHeaders(name)).forEach(value -> view.header(name, value));
        }
        return view;
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
