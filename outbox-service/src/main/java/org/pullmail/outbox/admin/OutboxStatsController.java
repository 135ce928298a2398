package org.pullmail.outbox.admin;

import org.pullmail.service.Stats;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The outbox's statistics, for the dashboard. */
@RestController
class OutboxStatsController {

    private final OutboxStats stats;

    OutboxStatsController(OutboxStats stats) {
        this.stats = stats;
    }

    @GetMapping("/internal/v1/stats")
    Stats.Report stats(@RequestParam(defaultValue = "60") int minutes) {
        return stats.lastMinutes(minutes);
    }
}
