package org.pullmail.bridge.admin;

import java.time.Clock;

import org.pullmail.bridge.outbound.OutboundQueue;
import org.pullmail.service.Stats;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * What the dashboard charts of the bridge: legacy mail received per minute and the kept messages still waiting for
 * their fetch (inbound); users' mail delivered or failed over SMTP per minute and the outbound queue (outbound).
 */
@Service
class BridgeStats {

    private final JdbcClient jdbc;
    private final OutboundQueue outbound;
    private final Clock clock;

    BridgeStats(JdbcClient jdbc, OutboundQueue outbound, Clock clock) {
        this.jdbc = jdbc;
        this.outbound = outbound;
        this.clock = clock;
    }

    /** The last {@code minutes} minutes (at most a day). */
    Stats.Report report(int minutes) {
        Stats inbound = new Stats(jdbc, clock.instant(), minutes)
                .series("legacy_messages_received", "legacy_message", "created_at", "true")
                .gauge("legacy_messages_waiting", "SELECT count(*) FROM legacy_message WHERE content_deleted_at IS NULL")
                .gauge("legacy_bytes_kept",
                        "SELECT coalesce(sum(size), 0)::bigint FROM legacy_message WHERE content_deleted_at IS NULL");
        return outbound.stats(inbound).report();
    }
}
