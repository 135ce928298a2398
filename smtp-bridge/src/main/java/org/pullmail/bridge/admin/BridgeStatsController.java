package org.pullmail.bridge.admin;

import org.pullmail.service.Stats;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The bridge's figures for the dashboard ({@code /internal/v1/stats}, like every service's): {@link BridgeStats}. */
@RestController
class BridgeStatsController {

    private final BridgeStats stats;

    BridgeStatsController(BridgeStats stats) {
        this.stats = stats;
    }

    /** The last {@code minutes} minutes (at most a day). */
    @GetMapping("/internal/v1/stats")
    Stats.Report stats(@RequestParam(defaultValue = "60") int minutes) {
        return stats.report(minutes);
    }
}
