package org.pullmail.inbox.request;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.pullmail.inbox.correspondent.SentMail;
import org.pullmail.inbox.fetch.JobQueue;
import org.pullmail.inbox.notice.NoticeState;
import org.pullmail.inbox.notice.NoticeTransitions;
import org.pullmail.inbox.policy.SenderPolicy;
import org.pullmail.inbox.reputation.BulkDetector;
import org.pullmail.inbox.notification.BridgedColumn;
import org.pullmail.inbox.reputation.Reputation;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PageCursor;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * A mailbox's requests and the user's decisions on them. Accepting fetches the message now (not when it
 * is opened); declining tells the sender, as spam if the user says so, and can block the sender in the
 * same step. A request is shown with the sender's and the sender domain's reputation here and whether it
 * looks like bulk mail, all read in the statement that reads the request. Requests can also be seen grouped
 * by sender domain and decided a whole domain at once: accepting trusts the domain, declining can block it.
 */
@Service
class Requests {

    /** Blocking the sender while declining: by its address or its whole domain. */
    enum Block { ADDRESS, DOMAIN }

    private final JdbcClient jdbc;
    private final NoticeTransitions notices;
    private final JobQueue jobs;
    private final Reputation reputation;
    private final BulkDetector bulk;
    private final SenderPolicy policy;
    private final SentMail sentMail;
    private final Clock clock;

    Requests(JdbcClient jdbc, NoticeTransitions notices, JobQueue jobs, Reputation reputation, BulkDetector bulk,
            SenderPolicy policy, SentMail sentMail, Clock clock) {
        this.sentMail = sentMail;
        this.jdbc = jdbc;
        this.notices = notices;
        this.jobs = jobs;
        this.reputation = reputation;
        this.bulk = bulk;
        this.policy = policy;
        this.clock = clock;
    }

    /** One page of the requests waiting for the user, newest first, after {@code cursor} (null from the newest). */
    PageCursor.Page<Request> list(String mailbox, int limit, PageCursor cursor) {
        PageCursor after = PageCursor.timed(cursor);
        JdbcClient.StatementSpec select = bulk.bind(jdbc.sql(SELECT
                        + " WHERE n.recipient = :mailbox AND n.state = :requested AND f.expires_at > :now"
                        + (after == null ? "" : " AND n.created_at <= :at AND (n.created_at < :at OR n.id < :id)")
                        + " ORDER BY n.created_at DESC, n.id DESC LIMIT :fetch"))
                .param("mailbox", mailbox)
                .param("requested", NoticeState.REQUESTED.wire())
                .param("now", Timestamp.from(clock.instant()))
                .param("fetch", PageCursor.fetch(limit));
        if (after != null) {
            select = select.param("at", Timestamp.from(after.at())).param("id", after.uuid());
        }
        return PageCursor.page(select.query((rs, n) -> row(rs)).list(), limit,
                r -> PageCursor.after(r.createdAt(), r.request().id()), Row::request);
    }

    /** The mailbox's request, in whatever state; 404 when it has none of this id. */
    Request get(String mailbox, UUID id) {
        return bulk.bind(jdbc.sql(SELECT + " WHERE n.recipient = :mailbox AND n.id = :id"))
                .param("mailbox", mailbox).param("id", id)
                .query((rs, n) -> row(rs).request()).optional()
                .orElseThrow(() -> ApiProblem.notFound("request " + id));
    }

    /**
     * Accepts the request: the message is fetched now, and the sender becomes a learned correspondent, so their
     * next mail does not wait (the simulation of bench/simulate found accepted senders held again).
     */
    @Transactional
    Request accept(String mailbox, UUID id) {
        Pending request = pending(mailbox, id);
        if (!notices.move(id, NoticeState.FETCHING, true, null)) {
            throw decidedMeanwhile();
        }
        jobs.enqueueFetch(id, request.expiresAt());
        sentMail.accepted(mailbox, request.from());
        return get(mailbox, id);
    }

    /**
     * Declines the request as {@code outcome} (declined or spam): the sender's domain is told, the sender's
     * reputation here counts it, and {@code block} (null for none) blocks the sender or its domain.
     */
    @Transactional
    Request decline(String mailbox, UUID id, NoticeState outcome, Block block) {
        if (outcome != NoticeState.DECLINED && outcome != NoticeState.SPAM) {
            throw new IllegalArgumentException("a request is declined or spam, not " + outcome.wire());
        }
        Pending request = pending(mailbox, id);
        if (!notices.move(id, outcome, true, null)) {
            throw decidedMeanwhile();
        }
        declined(id, request.from(), outcome);
        if (block != null) {
            policy.block(mailbox, request.from(), block == Block.DOMAIN ? "domain" : "address");
        }
        return get(mailbox, id);
    }

    /** The sender's domain is told, the sender's reputation here counts it, a reply hint it carried for spam is dead. */
    private void declined(UUID id, String from, NoticeState outcome) {
        jobs.enqueueStatus(id, outcome.wire(), clock.instant().plus(Duration.ofDays(2)));
        reputation.recordFor(id, from, outcome == NoticeState.SPAM ? Reputation.Event.SPAM : Reputation.Event.DECLINED);
        if (outcome == NoticeState.SPAM) {
            sentMail.spamReported(id);
        }
    }

    /** The waiting requests of one sender domain, as a user sees them grouped. */
    record DomainRequests(String domain, int count, List<String> senders, Instant oldest, Instant newest) {
    }

    /** What deciding on a whole domain did: how many requests, and whether the domain is now trusted or blocked. */
    record DomainAccepted(String domain, int accepted, boolean trusted) {
    }

    record DomainDeclined(String domain, int declined, boolean blocked) {
    }

    /** One page of the waiting requests grouped by sender domain, in domain order, after {@code cursor}. */
    PageCursor.Page<DomainRequests> domains(String mailbox, int limit, PageCursor cursor) {
        if (cursor != null && cursor.at() != null) {
            throw ApiProblem.invalid("cursor is not one this list gave: send back the \"next\" of the previous page");
        }
        return PageCursor.page(jdbc.sql("""
                        SELECT f.sender_domain, count(*) AS waiting, array_agg(DISTINCT f.sender ORDER BY f.sender) AS senders,
                               min(n.created_at) AS oldest, max(n.created_at) AS newest
                        FROM notice n JOIN notification f ON f.id = n.notification
                        WHERE n.recipient = :mailbox AND n.state = :requested AND f.expires_at > :now
                          AND f.sender_domain > :after
                        GROUP BY f.sender_domain ORDER BY f.sender_domain LIMIT :fetch""")
                        .param("mailbox", mailbox)
                        .param("requested", NoticeState.REQUESTED.wire())
                        .param("now", Timestamp.from(clock.instant()))
                        .param("after", cursor == null ? "" : cursor.id())
                        .param("fetch", PageCursor.fetch(limit))
                        .query((rs, n) -> new DomainRequests(rs.getString("sender_domain"), rs.getInt("waiting"),
                                List.of((String[]) rs.getArray("senders").getArray()),
                                rs.getTimestamp("oldest").toInstant(), rs.getTimestamp("newest").toInstant()))
                        .list(),
                limit, d -> new PageCursor(null, d.domain()), d -> d);
    }

    /** Accepts every waiting request from the domain (each is fetched now) and trusts the domain from now on. */
    @Transactional
    DomainAccepted acceptAll(String mailbox, String domain) {
        int accepted = 0;
        for (Pending request : waitingFrom(mailbox, domain)) {
            if (notices.move(request.id(), NoticeState.FETCHING, true, null)) {
                jobs.enqueueFetch(request.id(), request.expiresAt());
                accepted++;
            }
        }
        policy.domainRule(mailbox, domain, true);
        return new DomainAccepted(domain, accepted, true);
    }

    /**
     * Declines every waiting request from the domain as {@code outcome} (declined or spam), each as one decline
     * would, and blocks the domain from now on when {@code block}.
     */
    @Transactional
    DomainDeclined declineAll(String mailbox, String domain, NoticeState outcome, boolean block) {
        if (outcome != NoticeState.DECLINED && outcome != NoticeState.SPAM) {
            throw new IllegalArgumentException("a request is declined or spam, not " + outcome.wire());
        }
        int declined = 0;
        for (Pending request : waitingFrom(mailbox, domain)) {
            if (notices.move(request.id(), outcome, true, null)) {
                declined(request.id(), request.from(), outcome);
                declined++;
            }
        }
        if (block) {
            policy.domainRule(mailbox, domain, false);
        }
        return new DomainDeclined(domain, declined, block);
    }

    /** The mailbox's waiting requests from the domain, locked until the deciding transaction ends. */
    private List<Pending> waitingFrom(String mailbox, String domain) {
        return jdbc.sql("""
                        SELECT n.id, n.state, f.expires_at, f.sender FROM notice n JOIN notification f ON f.id = n.notification
                        WHERE n.recipient = ? AND n.state = ? AND f.sender_domain = ? AND f.expires_at > ?
                        ORDER BY n.created_at FOR UPDATE OF n""")
                .params(mailbox, NoticeState.REQUESTED.wire(), domain, Timestamp.from(clock.instant()))
                .query((rs, n) -> new Pending(rs.getObject("id", UUID.class), rs.getString("state"),
                        rs.getTimestamp("expires_at").toInstant(), rs.getString("sender")))
                .list();
    }

    /** What deciding needs to know of a request. */
    private record Pending(UUID id, String state, Instant expiresAt, String from) {
    }

    /** The request, locked until the deciding transaction ends: two decisions at once are made one by one. */
    private Pending pending(String mailbox, UUID id) {
        Pending request = jdbc.sql("""
                        SELECT n.id, n.state, f.expires_at, f.sender FROM notice n JOIN notification f ON f.id = n.notification
                        WHERE n.id = ? AND n.recipient = ? FOR UPDATE OF n""")
                .params(id, mailbox)
                .query((rs, n) -> new Pending(rs.getObject("id", UUID.class), rs.getString("state"), rs.getTimestamp("expires_at").toInstant(),
                        rs.getString("sender")))
                .optional().orElseThrow(() -> ApiProblem.notFound("request " + id));
        if (!NoticeState.REQUESTED.wire().equals(request.state())) {
            throw new ApiProblem("already-decided", HttpStatus.CONFLICT, "Already decided",
                    "this request is " + request.state());
        }
        if (request.expiresAt().isBefore(clock.instant())) {
            throw new ApiProblem("expired", HttpStatus.GONE, "Expired", "the sender no longer offers this message");
        }
        return request;
    }

    /** A move the notice's state machine refused: the request is no longer waiting. */
    private static ApiProblem decidedMeanwhile() {
        return new ApiProblem("already-decided", HttpStatus.CONFLICT, "Already decided", "this request was decided");
    }

    /** A request as listed, with the notice's creation time its list is ordered by. */
    private record Row(Request request, Instant createdAt) {
    }

    // one statement for a whole page: the sender's and the domain's counters are joined, the bulk flag is a
    // subquery on the digest index (this list made three more queries per request before)
    private static final String SELECT = """
            SELECT n.id, n.created_at, n.state, n.policy, n.tag, f.sender, f.sender_domain, f.subject, f.size, f.received_at,
                   f.expires_at, f.bridged::text AS bridged, %s, %s, %s AS bulk
            FROM notice n JOIN notification f ON f.id = n.notification
            LEFT JOIN sender_reputation s ON s.sender = f.sender
            LEFT JOIN sender_reputation d ON d.sender = f.sender_domain""".formatted(
            Reputation.columns("s"), Reputation.columns("d"), BulkDetector.IS_BULK);

    private static Row row(ResultSet rs) throws SQLException {
        String from = rs.getString("sender");
        String domain = rs.getString("sender_domain");
        Reputation.Score sender = Reputation.score(rs, "s", from);
        Reputation.Score senderDomain = Reputation.score(rs, "d", domain);
        return new Row(new Request(rs.getObject("id", UUID.class), from, domain, sender.firstSeen(),
                senderDomain.firstSeen(), rs.getString("subject"), rs.getLong("size"),
                rs.getTimestamp("received_at").toInstant(), rs.getTimestamp("expires_at").toInstant(),
                rs.getString("state"), rs.getBoolean("bulk"), rs.getString("policy"), sender, senderDomain,
                rs.getString("tag"), BridgedColumn.read(rs.getString("bridged"))),
                rs.getTimestamp("created_at").toInstant());
    }
}
