package org.pullmail.outbox.admin;

import java.time.Clock;

import org.pullmail.service.Stats;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The outbox's statistics, for the dashboard. */
@RestController
class OutboxStatsController {

    private final JdbcClient jdbc;
    private final Clock clock;

    OutboxStatsController(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @GetMapping("/internal/v1/stats")
    Stats.Report stats(@RequestParam(defaultValue = "60") int minutes) {
        return new Stats(jdbc, clock.instant(), minutes)
                .series("messages_sent", "message", "created_at", "true")
                .series("fetches_served", "delivery", "fetched_at", "true")
                .series("deliveries_failed", "delivery", "failed_at", "true")
                .gauge("signals_waiting", "SELECT count(*) FROM signal_request WHERE handed_over_at IS NULL")
                .gauge("stored_bytes", "SELECT coalesce(sum(size), 0) FROM message WHERE content_deleted_at IS NULL")
                .report();
    }
}
