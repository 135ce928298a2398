package org.pullmail.inbox.correspondent;

import java.util.List;

import org.pullmail.inbox.mailbox.Mailboxes;
import org.pullmail.service.PageCursor;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The user's learned correspondents: whom they wrote to, fetched at once for a while; they can remove any. */
@RestController
@RequestMapping("/api/v1/inbox/correspondents")
class CorrespondentController {

    /** One page, in address order; {@code next} is the cursor of the following page. */
    record CorrespondentList(List<Correspondents.CorrespondentView> correspondents, String next) {
    }

    private final Correspondents correspondents;
    private final Mailboxes mailboxes;

    CorrespondentController(Correspondents correspondents, Mailboxes mailboxes) {
        this.correspondents = correspondents;
        this.mailboxes = mailboxes;
    }

    @GetMapping
    CorrespondentList list(@AuthenticationPrincipal Jwt user,
            @RequestParam(defaultValue = "" + PageCursor.MAX_LIMIT) int limit,
            @RequestParam(required = false) String cursor) {
        PageCursor.Page<Correspondents.CorrespondentView> page = correspondents.list(mailboxes.of(user), limit,
                PageCursor.parse(cursor));
        return new CorrespondentList(page.entries(), page.next());
    }

    @DeleteMapping("/{address}")
    ResponseEntity<Void> remove(@AuthenticationPrincipal Jwt user, @PathVariable String address) {
        correspondents.remove(mailboxes.of(user), address);
        return ResponseEntity.noContent().build();
    }
}
