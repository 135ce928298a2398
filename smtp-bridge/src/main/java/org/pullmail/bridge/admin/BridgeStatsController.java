package org.pullmail.bridge.admin;

import java.time.Clock;

import org.pullmail.service.Stats;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the dashboard charts of the bridge ({@code /internal/v1/stats}, like every service's): legacy messages
 * received per minute, and the kept messages still waiting for their fetch with their bytes.
 */
@RestController
class BridgeStatsController {

    private final JdbcClient jdbc;
    private final Clock clock;

    BridgeStatsController(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** The last {@code minutes} minutes (at most a day). */
    @GetMapping("/internal/v1/stats")
    Stats.Report stats(@RequestParam(defaultValue = "60") int minutes) {
        return new Stats(jdbc, clock.instant(), minutes)
                .series("legacy_messages_received", "legacy_message", "created_at", "true")
                .gauge("legacy_messages_waiting", "SELECT count(*) FROM legacy_message WHERE content_deleted_at IS NULL")
                .gauge("legacy_bytes_kept",
                        "SELECT coalesce(sum(size), 0)::bigint FROM legacy_message WHERE content_deleted_at IS NULL")
                .report();
    }
}
