package org.pullmail.notifier.admin;

import java.util.List;
import java.util.UUID;

import org.pullmail.notifier.queue.NotificationQueue;
import org.pullmail.notifier.queue.QueueState;
import org.pullmail.service.PageCursor;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The outbound queue for admins: pending, retrying, sent and failed notifications, newest first a page at a time;
 * resend now, drop, and both for every entry to one recipient domain.
 */
@RestController
@RequestMapping("/api/v1/admin/queue")
class QueueAdminController {

    /** next: the cursor of the following (older) page, absent on the last. */
    record Entries(List<NotificationQueue.Entry> entries, NotificationQueue.Depths depths, String next) {
    }

    record Changed(int entries) {
    }

    private final NotificationQueue queue;

    QueueAdminController(NotificationQueue queue) {
        this.queue = queue;
    }

    @GetMapping
    Entries list(@RequestParam(defaultValue = "retrying") String state, @RequestParam(required = false) String domain,
            @RequestParam(defaultValue = "100") int limit, @RequestParam(required = false) String cursor) {
        PageCursor.Page<NotificationQueue.Entry> page = queue.list(QueueState.of(state), domain, limit, cursor);
        return new Entries(page.entries(), queue.depths(), page.next());
    }

    /** Tries again now; a failed entry gets a fresh lifetime. */
    @PostMapping("/{id}/resend")
    Changed resend(@PathVariable UUID id) {
        return new Changed(queue.resend(id));
    }

    @PostMapping("/resend")
    Changed resendDomain(@RequestParam String domain) {
        return new Changed(queue.resendDomain(domain));
    }

    /** Drops the entry: it fails now, and the sender is told (the bounce). */
    @DeleteMapping("/{id}")
    Changed drop(@PathVariable UUID id) {
        return new Changed(queue.drop(id));
    }

    @DeleteMapping
    Changed dropDomain(@RequestParam String domain) {
        return new Changed(queue.dropDomain(domain));
    }
}
