package org.pullmail.gateway.admin;

import java.util.List;

import org.pullmail.service.PageCursor;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The dashboard's overview of the domain's services, and the audit trail of admin actions. */
@RestController
class OverviewController {

    /** next: the cursor of the following (older) page, absent on the last. */
    record AuditEntries(List<AuditTrail.Entry> entries, String next) {
    }

    private final DomainOverview overview;
    private final AuditTrail audit;

    OverviewController(DomainOverview overview, AuditTrail audit) {
        this.overview = overview;
        this.audit = audit;
    }

    @GetMapping("/api/v1/admin/overview")
    DomainOverview.Overview overview(@RequestParam(defaultValue = "60") int minutes) {
        return overview.now(minutes);
    }

    /** Newest first; actor keeps one admin's entries. */
    @GetMapping("/api/v1/admin/audit")
    AuditEntries audit(@RequestParam(defaultValue = "200") int limit, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) String actor) {
        PageCursor.Page<AuditTrail.Entry> page = audit.page(limit, cursor, actor);
        return new AuditEntries(page.entries(), page.next());
    }
}
