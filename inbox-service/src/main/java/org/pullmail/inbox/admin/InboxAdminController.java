package org.pullmail.inbox.admin;

import java.util.List;

import org.pullmail.service.DomainKeys;
import org.pullmail.service.Stats;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The inbox's statistics (for the dashboard) and the keys that sign its fetches, with rotation. */
@RestController
class InboxAdminController {

    record Keys(List<DomainKeys.KeyInfo> keys) {
    }

    private final InboxStats stats;
    private final DomainKeys keys;

    InboxAdminController(InboxStats stats, DomainKeys keys) {
        this.stats = stats;
        this.keys = keys;
    }

    @GetMapping("/internal/v1/stats")
    Stats.Report stats(@RequestParam(defaultValue = "60") int minutes) {
        return stats.report(minutes);
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
