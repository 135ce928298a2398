package org.pullmail.inbox.request;

import java.util.List;
import java.util.Locale;
import java.util.UUID;

import org.pullmail.inbox.mailbox.Mailboxes;
import org.pullmail.inbox.notice.NoticeState;
import org.pullmail.protocol.Addresses;
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

    /** One page of the waiting requests grouped by sender domain; {@code next} is the cursor of the following page. */
    record DomainList(List<Requests.DomainRequests> domains, String next) {
    }

    /**
     * reason: {@code unwanted} (the default) or {@code spam}; block: whether the domain is blocked too (the
     * default: declining a whole domain is the user saying they want none of its mail).
     */
    record DomainDecline(String reason, Boolean block) {
    }

    private final Requests requests;
    private final Mailboxes mailboxes;

    RequestController(Requests requests, Mailboxes mailboxes) {
        this.requests = requests;
        this.mailboxes = mailboxes;
    }

    @GetMapping
    RequestList list(@AuthenticationPrincipal Jwt user, @RequestParam(defaultValue = "500") int limit,
            @RequestParam(required = false) String cursor) {
        PageCursor after = PageCursor.parse(cursor);
        PageCursor.Page<Request> page = requests.list(mailboxes.of(user), limit, after);
        return new RequestList(page.entries(), page.next());
    }

    @GetMapping("/domains")
    DomainList domains(@AuthenticationPrincipal Jwt user, @RequestParam(defaultValue = "500") int limit,
            @RequestParam(required = false) String cursor) {
        PageCursor.Page<Requests.DomainRequests> page = requests.domains(mailboxes.of(user), limit,
                PageCursor.parse(cursor));
        return new DomainList(page.entries(), page.next());
    }

    /** Accepts every waiting request from the domain and trusts the domain (the user's allow list). */
    @PostMapping("/domains/{domain}/accept")
    Requests.DomainAccepted acceptDomain(@AuthenticationPrincipal Jwt user, @PathVariable String domain) {
        return requests.acceptAll(mailboxes.of(user), domainOf(domain));
    }

    /** Declines every waiting request from the domain and, unless {@code block} is false, blocks the domain. */
    @PostMapping("/domains/{domain}/decline")
    Requests.DomainDeclined declineDomain(@AuthenticationPrincipal Jwt user, @PathVariable String domain,
            @RequestBody(required = false) DomainDecline decline) {
        NoticeState outcome = outcome(decline == null ? null : decline.reason());
        boolean block = decline == null || decline.block() == null || decline.block();
        return requests.declineAll(mailboxes.of(user), domainOf(domain), outcome, block);
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
        NoticeState outcome = outcome(decline == null ? null : decline.reason());
        String block = decline == null ? null : decline.block();
        Requests.Block scope = block == null ? null : switch (block) {
            case "address" -> Requests.Block.ADDRESS;
            case "domain" -> Requests.Block.DOMAIN;
            default -> throw ApiProblem.invalid("block is \"address\" or \"domain\"");
        };
        return requests.decline(mailboxes.of(user), id, outcome, scope);
    }

    private static NoticeState outcome(String reason) {
        return switch (reason == null ? "unwanted" : reason) {
            case "unwanted" -> NoticeState.DECLINED;
            case "spam" -> NoticeState.SPAM;
            default -> throw ApiProblem.invalid("reason is \"unwanted\" or \"spam\"");
        };
    }

    private static String domainOf(String domain) {
        String lower = domain.trim().toLowerCase(Locale.ROOT);
        if (!Addresses.isValidDomain(lower)) {
            throw ApiProblem.invalid(domain + " is not a mail domain");
        }
        return lower;
    }
}
