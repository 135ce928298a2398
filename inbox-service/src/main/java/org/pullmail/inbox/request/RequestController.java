package org.pullmail.inbox.request;

import java.util.List;
import java.util.UUID;

import org.pullmail.inbox.mailbox.Mailboxes;
import org.pullmail.inbox.notice.NoticeState;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PageCursor;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Notifications held for the user's decision, with what the decision needs: who sent it and since when
 * this domain knows the sender, the sender's reputation here, whether it looks like bulk mail, the subject
 * preview and the size. Accepting fetches the message now; declining tells the sender, as spam if the user
 * says so, and can block the sender in the same step.
 */
@RestController
@RequestMapping("/api/v1/inbox/requests")
class RequestController {

    /** One page of the requests, newest first; {@code next} is the cursor of the following page. */
    record RequestList(List<Request> requests, String next) {
    }

    /** reason: {@code unwanted} (the default) or {@code spam}; block: {@code address} or {@code domain}. */
    record Decline(String reason, String block) {
    }

    private final Requests requests;
    private final Mailboxes mailboxes;

    RequestController(Requests requests, Mailboxes mailboxes) {
        this.requests = requests;
        this.mailboxes = mailboxes;
    }

    @GetMapping
    RequestList list(@AuthenticationPrincipal Jwt user, @RequestParam(defaultValue = "100") int limit,
            @RequestParam(required = false) String cursor) {
        PageCursor after = PageCursor.parse(cursor);
        PageCursor.Page<Request> page = requests.list(mailboxes.of(user), limit, after);
        return new RequestList(page.entries(), page.next());
    }

    @GetMapping("/{id}")
    Request get(@AuthenticationPrincipal Jwt user, @PathVariable UUID id) {
        return requests.get(mailboxes.of(user), id);
    }

    @PostMapping("/{id}/accept")
    ResponseEntity<Request> accept(@AuthenticationPrincipal Jwt user, @PathVariable UUID id) {
        return ResponseEntity.accepted().body(requests.accept(mailboxes.of(user), id));
    }

    @PostMapping("/{id}/decline")
    Request decline(@AuthenticationPrincipal Jwt user, @PathVariable UUID id,
            @RequestBody(required = false) Decline decline) {
        String reason = decline == null || decline.reason() == null ? "unwanted" : decline.reason();
        NoticeState outcome = switch (reason) {
            case "unwanted" -> NoticeState.DECLINED;
            case "spam" -> NoticeState.SPAM;
            default -> throw ApiProblem.invalid("reason is \"unwanted\" or \"spam\"");
        };
        String block = decline == null ? null : decline.block();
        Requests.Block scope = block == null ? null : switch (block) {
            case "address" -> Requests.Block.ADDRESS;
            case "domain" -> Requests.Block.DOMAIN;
            default -> throw ApiProblem.invalid("block is \"address\" or \"domain\"");
        };
        return requests.decline(mailboxes.of(user), id, outcome, scope);
    }
}
