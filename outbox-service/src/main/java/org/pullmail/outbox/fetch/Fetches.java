package org.pullmail.outbox.fetch;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.pullmail.outbox.OutboxProperties;
import org.pullmail.outbox.delivery.DeliveryState;
import org.pullmail.outbox.delivery.DeliveryTransitions;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.StatusReport;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What a fetch and a status report read and change (PROTOCOL.md 4 and 5): the delivery a token grants,
 * whether its message may be served now, and the reported statuses, all or nothing.
 *
 * <p>JdbcClient: this is the fetch path, measured by the benchmark; one statement to find the delivery,
 * one to mark it fetched, as before.
 */
@Component
class Fetches {

    /** The delivery a capability token grants, with what its message's fetch needs. */
    record GrantedDelivery(UUID id, UUID messageId, String recipient, String recipientDomain, DeliveryState state,
            boolean contentStored, String digest, long size, Instant expiresAt, Instant recalledAt, Instant storedAt) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final DeliveryTransitions transitions;
    private final OutboxProperties outbox;
    private final Clock clock;

    Fetches(JdbcClient jdbc, TransactionTemplate tx, DeliveryTransitions transitions, OutboxProperties outbox,
            Clock clock) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.transitions = transitions;
        this.outbox = outbox;
        this.clock = clock;
    }

    /** The delivery of {@code message} whose token hashes to {@code tokenHash}, if any. */
    Optional<GrantedDelivery> granted(byte[] tokenHash, UUID message) {
        return jdbc.sql("""
                SELECT d.id, d.recipient, d.recipient_domain, d.state, m.content_deleted_at IS NULL AS stored, m.digest,
                       m.size, m.expires_at, m.recalled_at, d.stored_at
                FROM delivery d JOIN message m ON m.id = d.message_id
                WHERE d.token_hash = ? AND d.message_id = ?""")
                .params(tokenHash, message)
                .query((rs, n) -> new GrantedDelivery(rs.getObject("id", UUID.class), message, rs.getString("recipient"),
                        rs.getString("recipient_domain"), DeliveryState.of(rs.getString("state")), rs.getBoolean("stored"),
                        rs.getString("digest"), rs.getLong("size"), rs.getTimestamp("expires_at").toInstant(),
                        instant(rs.getTimestamp("recalled_at")), instant(rs.getTimestamp("stored_at"))))
                .optional();
    }

    /**
     * Whether the token still fetches (PROTOCOL.md 5.4, in the order of 4.3); if it does, the delivery counts
     * as fetched from now on. The caller streams the bytes.
     */
    void serve(GrantedDelivery delivery) throws ProtocolException {
        Instant now = clock.instant();
        if (delivery.recalledAt() != null || delivery.state() == DeliveryState.RECALLED) {
            throw new ProtocolException(ProblemType.RECALLED, "the sender recalled this message");
        }
        if (delivery.expiresAt().isBefore(now)) {
            throw new ProtocolException(ProblemType.EXPIRED, "this message expired before it was fetched");
        }
        if (delivery.state() == DeliveryState.DECLINED || delivery.state() == DeliveryState.SPAM) {
            throw new ProtocolException(ProblemType.NOT_FOUND, "no such message for this capability");
        }
        if (delivery.state() == DeliveryState.STORED && delivery.storedAt() != null
                && delivery.storedAt().plus(outbox.storedTokenGrace()).isBefore(now)) {
            throw new ProtocolException(ProblemType.ALREADY_STORED,
                    "your domain reported this message stored at " + delivery.storedAt()
                            + "; its token fetched for " + outbox.storedTokenGrace() + " after that");
        }
        if (!delivery.contentStored()) {
            // retention removes the bytes only once every recipient is done with the message, or it expired
            throw new ProtocolException(ProblemType.EXPIRED, "this message's bytes are no longer kept");
        }
        // a fetched or stored delivery fetches again without moving (PROTOCOL.md 5.4)
        transitions.fetched(delivery.id(), now);
    }

    /**
     * Applies a status report about the deliveries of {@code delivery}'s message in its recipient's domain: all
     * or nothing, refused whole with 403 wrong-domain or 409 status-conflict (PROTOCOL.md 5.2).
     */
    void report(GrantedDelivery delivery, StatusReport report) throws ProtocolException {
        Instant now = clock.instant();
        ProtocolException refusal = tx.execute(s -> {
            // the named deliveries of this message in the token's domain, locked: two reports for one
            // recipient are judged one after the other
            Map<String, DeliveryState> states = new HashMap<>();
            jdbc.sql("""
                    SELECT recipient, state FROM delivery
                    WHERE message_id = :id AND recipient_domain = :domain AND recipient IN (:recipients)
                    ORDER BY recipient FOR UPDATE""")
                    .param("id", delivery.messageId()).param("domain", delivery.recipientDomain())
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
                    case APPLY -> changes.add(r);
                    case REPEAT -> {
                    }
                    case CONFLICT -> {
                        return conflict(r, current);
                    }
                }
            }
            for (StatusReport.RecipientStatus r : changes) {
                // the rows are locked and judged above, so a refusal here would be a broken rule: nothing changes
                if (!transitions.reported(delivery.messageId(), r.address(), r.status(), now)) {
                    s.setRollbackOnly();
                    return conflict(r, states.get(r.address()));
                }
            }
            return null;
        });
        if (refusal != null) {
            throw refusal;
        }
    }

    private static ProtocolException conflict(StatusReport.RecipientStatus r, DeliveryState current) {
        return new ProtocolException(ProblemType.STATUS_CONFLICT, r.address() + " is " + current.wire()
                + ": a report of " + r.status().name().toLowerCase(Locale.ROOT) + " cannot follow it");
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
