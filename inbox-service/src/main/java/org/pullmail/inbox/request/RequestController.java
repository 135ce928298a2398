package org.pullmail.inbox.request;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.pullmail.inbox.fetch.JobQueue;
import org.pullmail.inbox.mailbox.Mailboxes;
import org.pullmail.inbox.notice.NoticeState;
import org.pullmail.inbox.notice.NoticeTransitions;
import org.pullmail.inbox.policy.SenderPolicy;
import org.pullmail.inbox.reputation.BulkDetector;
import org.pullmail.inbox.reputation.Reputation;
import org.pullmail.protocol.Addresses;
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
 * Notifications held for the user's decision, with what the decision needs: who sent it and whether
 * that is verified, the sender's reputation here, whether it looks like bulk mail, the subject
 * preview and the size. Accepting fetches the message now (not when it is opened); declining tells
 * the sender, as spam if the user says so, and can block the sender in the same step.
 */
@RestController
@RequestMapping("/api/v1/inbox/requests")
class RequestController {

    /**
     * Every request is signed by a key of its sender's own domain (PROTOCOL.md 6.3), so what tells a user
     * more is how long this domain has known the sender: a first-seen of minutes ago is a stranger.
     *
     * @param senderFirstSeen  when this domain first received a notification from this address
     * @param domainFirstSeen  when this domain first received a notification from the sender's domain
     * @param senderReputation how this sender address has fared here
     * @param domainReputation how the sender's domain has fared here
     * @param bulk            the same content was notified to many local recipients
     * @param policy          the rule that held it
     */
    record Request(UUID id, String from, String senderDomain, Instant senderFirstSeen, Instant domainFirstSeen,
            String subject, long size,
            Instant receivedAt, Instant expiresAt, String state, boolean bulk, String policy,
            Reputation.Score senderReputation, Reputation.Score domainReputation) {
    }

    record Requests(List<Request> requests) {
    }

    /** reason: {@code unwanted} (the default) or {@code spam}; block: {@code address} or {@code domain}. */
    record Decline(String reason, String block) {
    }

    private record Row(UUID id, String from, String senderDomain, String subject, long size, Instant receivedAt,
            Instant expiresAt, String state, String digest, String policy) {
    }

    private final JdbcClient jdbc;
    private final NoticeTransitions notices;
    private final Mailboxes mailboxes;
    private final JobQueue jobs;
    private final Reputation reputation;
    private final BulkDetector bulk;
    private final SenderPolicy policy;
    private final Clock clock;

    RequestController(JdbcClient jdbc, NoticeTransitions notices, Mailboxes mailboxes, JobQueue jobs, Reputation reputation, BulkDetector bulk,
            SenderPolicy policy, Clock clock) {
        this.policy = policy;
        this.jdbc = jdbc;
        this.notices = notices;
        this.mailboxes = mailboxes;
        this.jobs = jobs;
        this.reputation = reputation;
        this.bulk = bulk;
        this.clock = clock;
    }

    @GetMapping
    Requests list(@AuthenticationPrincipal Jwt user) {
        return new Requests(jdbc.sql(SELECT + " WHERE n.recipient = ? AND n.state = 'requested' AND f.expires_at > ? "
                        + "ORDER BY n.created_at DESC LIMIT 500")
                .params(mailboxes.of(user), Timestamp.from(clock.instant()))
                .query((rs, i) -> row(rs)).list().stream().map(this::view).toList());
    }

    @GetMapping("/{id}")
    Request get(@AuthenticationPrincipal Jwt user, @PathVariable UUID id) {
        return view(find(mailboxes.of(user), id));
    }

    @PostMapping("/{id}/accept")
    @Transactional
    ResponseEntity<Request> accept(@AuthenticationPrincipal Jwt user, @PathVariable UUID id) {
        Row request = pending(mailboxes.of(user), id);
        if (!notices.move(id, NoticeState.FETCHING, true, null)) {
            throw decidedMeanwhile();
        }
        jobs.enqueueFetch(id, request.expiresAt());
        return ResponseEntity.accepted().body(view(find(user.getSubject(), id)));
    }

    @PostMapping("/{id}/decline")
    @Transactional
    Request decline(@AuthenticationPrincipal Jwt user, @PathVariable UUID id,
            @RequestBody(required = false) Decline decline) {
        String reason = decline == null || decline.reason() == null ? "unwanted" : decline.reason();
        if (!reason.equals("unwanted") && !reason.equals("spam")) {
            throw ApiProblem.invalid("reason is \"unwanted\" or \"spam\"");
        }
        String block = decline == null ? null : decline.block();
        if (block != null && !block.equals("address") && !block.equals("domain")) {
            throw ApiProblem.invalid("block is \"address\" or \"domain\"");
        }
        String mailbox = mailboxes.of(user);
        Row request = pending(mailbox, id);
        NoticeState state = reason.equals("spam") ? NoticeState.SPAM : NoticeState.DECLINED;
        Instant now = clock.instant();
        if (!notices.move(id, state, true, null)) {
            throw decidedMeanwhile();
        }
        jobs.enqueueStatus(id, state.wire(), now.plus(Duration.ofDays(2)));
        reputation.record(request.from(), state == NoticeState.SPAM ? Reputation.Event.SPAM : Reputation.Event.DECLINED);
        if (block != null) {
            policy.block(mailbox, request.from(), block);
        }
        return view(find(mailbox, id));
    }

    /** A move the notice's state machine refused: the request is no longer waiting. */
    private static ApiProblem decidedMeanwhile() {
        return new ApiProblem("already-decided", HttpStatus.CONFLICT, "Already decided", "this request was decided");
    }

    /** The request, locked until the deciding transaction ends: two decisions at once are made one by one. */
    private Row pending(String mailbox, UUID id) {
        jdbc.sql("SELECT 1 FROM notice WHERE id = ? AND recipient = ? FOR UPDATE").params(id, mailbox)
                .query(Integer.class).optional();
        Row request = find(mailbox, id);
        if (!NoticeState.REQUESTED.wire().equals(request.state())) {
            throw new ApiProblem("already-decided", HttpStatus.CONFLICT, "Already decided",
                    "this request is " + request.state());
        }
        if (request.expiresAt().isBefore(clock.instant())) {
            throw new ApiProblem("expired", HttpStatus.GONE, "Expired", "the sender no longer offers this message");
        }
        return request;
    }

    private Row find(String mailbox, UUID id) {
        return jdbc.sql(SELECT + " WHERE n.recipient = ? AND n.id = ?").params(mailbox, id)
                .query((rs, i) -> row(rs)).optional()
                .orElseThrow(() -> ApiProblem.notFound("request " + id));
    }

    private Request view(Row r) {
        Reputation.Score sender = reputation.of(r.from());
        Reputation.Score domain = reputation.of(r.senderDomain());
        return new Request(r.id(), r.from(), r.senderDomain(), sender.firstSeen(), domain.firstSeen(), r.subject(),
                r.size(), r.receivedAt(), r.expiresAt(), r.state(), bulk.isBulk(r.digest(), r.receivedAt()), r.policy(),
                sender, domain);
    }

    private static final String SELECT = """
            SELECT n.id, f.sender, f.sender_domain, f.subject, f.size, f.received_at, f.expires_at, n.state, f.digest,
                   n.policy
            FROM notice n JOIN notification f ON f.id = n.notification""";

    private static Row row(ResultSet rs) throws SQLException {
        return new Row(rs.getObject("id", UUID.class), rs.getString("sender"), rs.getString("sender_domain"),
                rs.getString("subject"), rs.getLong("size"), rs.getTimestamp("received_at").toInstant(),
                rs.getTimestamp("expires_at").toInstant(), rs.getString("state"), rs.getString("digest"),
                rs.getString("policy"));
    }
}
