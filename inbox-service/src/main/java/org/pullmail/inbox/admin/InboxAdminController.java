package org.pullmail.inbox.admin;

import java.time.Clock;
import java.util.List;

import org.pullmail.service.DomainKeys;
import org.pullmail.service.Stats;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The inbox's statistics (for the dashboard) and the keys that sign its fetches, with rotation. */
@RestController
class InboxAdminController {

    record Keys(List<DomainKeys.KeyInfo> keys) {
    }

    private final JdbcClient jdbc;
    private final DomainKeys keys;
    private final Clock clock;

    InboxAdminController(JdbcClient jdbc, DomainKeys keys, Clock clock) {
        this.jdbc = jdbc;
        this.keys = keys;
        this.clock = clock;
    }

    @GetMapping("/internal/v1/stats")
    Stats.Report stats(@RequestParam(defaultValue = "60") int minutes) {
        return new Stats(jdbc, clock.instant(), minutes)
                .series("notifications_received", "notification", "received_at", "true")
                .series("messages_fetched", "message", "received_at", "true")
                .series("declines", "notice", "decided_at", "state IN ('declined', 'spam')")
                .gauge("requests_waiting", "SELECT count(*) FROM notice WHERE state = 'requested'")
                .gauge("jobs_pending", "SELECT count(*) FROM job WHERE done_at IS NULL")
                .report();
    }

    @GetMapping("/api/v1/admin/inbound/keys")
    Keys keys() {
        return new Keys(keys.list());
    }

    @PostMapping("/api/v1/admin/inbound/keys/rotate")
    DomainKeys.KeyInfo rotate() {
        return keys.rotate();
    }
}
