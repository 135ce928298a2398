package org.pullmail.notifier.admin;

import java.util.List;

import org.pullmail.notifier.queue.NotificationQueue;
import org.pullmail.service.DomainKeys;
import org.pullmail.service.Stats;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The notifier's statistics (for the dashboard) and its signing keys, with rotation. */
@RestController
class NotifierAdminController {

    record Keys(List<DomainKeys.KeyInfo> keys) {
    }

    private final NotificationQueue queue;
    private final DomainKeys keys;

    NotifierAdminController(NotificationQueue queue, DomainKeys keys) {
        this.queue = queue;
        this.keys = keys;
    }

    @GetMapping("/internal/v1/stats")
    Stats.Report stats(@RequestParam(defaultValue = "60") int minutes) {
        return queue.stats(minutes);
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
