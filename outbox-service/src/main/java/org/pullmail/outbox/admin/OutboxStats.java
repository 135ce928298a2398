package org.pullmail.outbox.admin;

import java.time.Clock;

import org.pullmail.service.Stats;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What the dashboard charts of the outbox: counts per minute read from its own tables, and gauges.
 * JdbcClient: counts over whole tables.
 */
@Component
class OutboxStats {

    private final JdbcClient jdbc;
    private final Clock clock;

    OutboxStats(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    Stats.Report lastMinutes(int minutes) {
        return new Stats(jdbc, clock.instant(), minutes)
                .series("messages_sent", "message", "created_at", "true")
                .series("fetches_served", "delivery", "fetched_at", "true")
                .series("deliveries_failed", "delivery", "failed_at", "true")
                .gauge("signals_waiting", "SELECT count(*) FROM signal_request WHERE handed_over_at IS NULL")
                .gauge("stored_bytes", "SELECT coalesce(sum(size), 0) FROM message WHERE content_deleted_at IS NULL")
                .report();
    }
}
