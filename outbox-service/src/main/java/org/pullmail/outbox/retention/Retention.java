package org.pullmail.outbox.retention;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;

import org.pullmail.outbox.OutboxProperties;
import org.pullmail.outbox.delivery.DeliveryState;
import org.pullmail.outbox.delivery.DeliveryTransitions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The sender pays for storage, so the outbox does not keep what nobody will fetch: deliveries not
 * fetched by {@code expires_at} become {@code expired} and the message's bytes are deleted; once every
 * recipient is done with a message, its bytes go after a grace period, unless the account keeps sent
 * copies. The rows stay, so the sender still sees what happened to each delivery.
 *
 * <p>JdbcClient: each step is one bulk statement over every account's messages.
 */
@Component
public class Retention {

    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    /** The advisory lock that makes retention run on one replica at a time. */
    static final long RETENTION_LOCK = "pullmail.outbox.retention".hashCode();

    private final JdbcClient jdbc;
    private final DeliveryTransitions transitions;
    private final OutboxProperties outbox;
    private final Clock clock;

    Retention(JdbcClient jdbc, DeliveryTransitions transitions, OutboxProperties outbox, Clock clock) {
        this.jdbc = jdbc;
        this.transitions = transitions;
        this.outbox = outbox;
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "${pullmail.outbox.retention-interval:PT1M}", initialDelayString = "PT15S")
    @Transactional
    public void apply() {
        // one replica at a time: two passes deleting the same accounts' bytes in different orders would
        // deadlock on the accounts' stored-bytes counters
        if (!jdbc.sql("SELECT pg_try_advisory_xact_lock(?)").param(RETENTION_LOCK).query(Boolean.class).single()) {
            return;
        }
        Instant instant = clock.instant();
        int expired = transitions.expire(instant);
        Timestamp now = Timestamp.from(instant);
        int unfetched = jdbc.sql("""
                UPDATE message m SET content_deleted_at = :now
                FROM sender s
                WHERE s.address = m.sender AND m.content_deleted_at IS NULL AND m.expires_at < :now
                  AND NOT coalesce(s.keep_sent_copies, :keep)""")
                .param("now", now).param("keep", outbox.keepSentCopies()).update();
        Instant graceCutoff = instant.minus(outbox.fetchedGrace());
        int done = jdbc.sql("""
                UPDATE message m SET content_deleted_at = :now
                FROM sender s
                WHERE s.address = m.sender AND m.content_deleted_at IS NULL AND NOT coalesce(s.keep_sent_copies, :keep)
                  AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.message_id = m.id
                                  AND (d.state = ANY (CAST(:unfinished AS text[]))
                                       OR greatest(d.stored_at, d.declined_at, d.failed_at, d.recalled_at,
                                                   d.expired_at) > :cutoff))""")
                .param("now", now).param("keep", outbox.keepSentCopies()).param("cutoff", Timestamp.from(graceCutoff))
                .param("unfinished", DeliveryState.UNFINISHED.stream().map(DeliveryState::wire).toArray(String[]::new))
                .update();
        if (expired + unfetched + done > 0) {
            log.info("retention: {} deliveries expired, bytes deleted of {} expired and {} finished messages",
                    expired, unfetched, done);
        }
    }
}
