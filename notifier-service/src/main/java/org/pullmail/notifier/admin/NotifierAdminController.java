package org.pullmail.notifier.admin;

import java.time.Clock;
import java.util.List;

import org.pullmail.service.DomainKeys;
import org.pullmail.service.Stats;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The notifier's statistics (for the dashboard) and its signing keys, with rotation. */
@RestController
class NotifierAdminController {

    record Keys(List<DomainKeys.KeyInfo> keys) {
    }

    private final JdbcClient jdbc;
    private final DomainKeys keys;
    private final Clock clock;

    NotifierAdminController(JdbcClient jdbc, DomainKeys keys, Clock clock) {
        this.jdbc = jdbc;
        this.keys = keys;
        this.clock = clock;
    }

    @GetMapping("/internal/v1/stats")
    Stats.Report stats(@RequestParam(defaultValue = "60") int minutes) {
        return new Stats(jdbc, clock.instant(), minutes)
                .series("notifications_sent", "notification", "sent_at", "true")
                .series("notifications_failed", "notification", "failed_at", "true")
                .gauge("queue_pending", "SELECT count(*) FROM notification WHERE state = 'pending' AND attempts = 0")
                .gauge("queue_retrying", "SELECT count(*) FROM notification WHERE state = 'pending' AND attempts > 0")
                .gauge("queue_failed", "SELECT count(*) FROM notification WHERE state = 'failed'")
                .report();
    }

    @GetMapping("/api/v1/admin/keys")
    Keys keys() {
        return new Keys(keys.list());
    }

    @PostMapping("/api/v1/admin/keys/rotate")
    DomainKeys.KeyInfo rotate() {
        return keys.rotate();
    }
}
