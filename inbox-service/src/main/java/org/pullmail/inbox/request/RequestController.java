package org.pullmail.inbox.request;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.pullmail.inbox.fetch.JobQueue;
import org.pullmail.inbox.mailbox.Mailboxes;
import org.pullmail.service.ApiProblem;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Notifications held for the user's decision. Accepting fetches the message now (not when it is
 * opened); declining tells the sender, as spam if the user says so.
 */
@RestController
@RequestMapping("/api/v1/inbox/requests")
class RequestController {

    /**
     * @param verifiedSender the notification was signed by a key of the sender's own domain
     */
    record Request(UUID id, String from, String senderDomain, boolean verifiedSender, String subject, long size,
            Instant receivedAt, Instant expiresAt, String state) {
    }

    record Requests(List<Request> requests) {
    }

    /** reason: {@code unwanted} (the default) or {@code spam}. */
    record Decline(String reason) {
    }

    private final JdbcClient jdbc;
    private final Mailboxes mailboxes;
    private final JobQueue jobs;
    private final Clock clock;

    RequestController(JdbcClient jdbc, Mailboxes mailboxes, JobQueue jobs, Clock clock) {
        this.jdbc = jdbc;
        this.mailboxes = mailboxes;
        this.jobs = jobs;
        this.clock = clock;
    }

    @GetMapping
    Requests list(@AuthenticationPrincipal Jwt user) {
        return new Requests(jdbc.sql(SELECT + " WHERE n.recipient = ? AND n.state = 'requested' AND f.expires_at > ? "
                        + "ORDER BY n.created_at DESC LIMIT 500")
                .params(mailboxes.of(user), Timestamp.from(clock.instant()))
                .query((rs, i) -> request(rs)).list());
    }

    @GetMapping("/{id}")
    Request get(@AuthenticationPrincipal Jwt user, @PathVariable UUID id) {
        return find(mailboxes.of(user), id);
    }

    @PostMapping("/{id}/accept")
    @Transactional
    ResponseEntity<Request> accept(@AuthenticationPrincipal Jwt user, @PathVariable UUID id) {
        Request request = pending(mailboxes.of(user), id);
        jdbc.sql("UPDATE notice SET state = 'fetching', decided_at = ? WHERE id = ?")
                .params(Timestamp.from(clock.instant()), id).update();
        jobs.enqueueFetch(id, request.expiresAt());
        return ResponseEntity.accepted().body(find(user.getSubject(), id));
    }

    @PostMapping("/{id}/decline")
    @Transactional
    Request decline(@AuthenticationPrincipal Jwt user, @PathVariable UUID id,
            @RequestBody(required = false) Decline decline) {
        String reason = decline == null || decline.reason() == null ? "unwanted" : decline.reason();
        if (!reason.equals("unwanted") && !reason.equals("spam")) {
            throw ApiProblem.invalid("reason is \"unwanted\" or \"spam\"");
        }
        pending(mailboxes.of(user), id);
        String state = reason.equals("spam") ? "spam" : "declined";
        Instant now = clock.instant();
        jdbc.sql("UPDATE notice SET state = ?, decided_at = ? WHERE id = ?").params(state, Timestamp.from(now), id).update();
        jobs.enqueueStatus(id, state, now.plus(Duration.ofDays(2)));
        return find(user.getSubject(), id);
    }

    private Request pending(String mailbox, UUID id) {
        Request request = find(mailbox, id);
        if (!"requested".equals(request.state())) {
            throw new ApiProblem("already-decided", HttpStatus.CONFLICT, "Already decided",
                    "this request is " + request.state());
        }
        if (request.expiresAt().isBefore(clock.instant())) {
            throw new ApiProblem("expired", HttpStatus.GONE, "Expired", "the sender no longer offers this message");
        }
        return request;
    }

    private Request find(String mailbox, UUID id) {
        return jdbc.sql(SELECT + " WHERE n.recipient = ? AND n.id = ?").params(mailbox, id)
                .query((rs, i) -> request(rs)).optional()
                .orElseThrow(() -> ApiProblem.notFound("request " + id));
    }

    private static final String SELECT = """
            SELECT n.id, f.sender, f.sender_domain, f.subject, f.size, f.received_at, f.expires_at, n.state
            FROM notice n JOIN notification f ON f.id = n.notification""";

    private static Request request(java.sql.ResultSet rs) throws java.sql.SQLException {
        // the notification was accepted only if signed by the domain of its sender (PROTOCOL.md 6.3)
        return new Request(rs.getObject("id", UUID.class), rs.getString("sender"), rs.getString("sender_domain"), true,
                rs.getString("subject"), rs.getLong("size"), rs.getTimestamp("received_at").toInstant(),
                rs.getTimestamp("expires_at").toInstant(), rs.getString("state"));
    }
}
