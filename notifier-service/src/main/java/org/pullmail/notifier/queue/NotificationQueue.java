package org.pullmail.notifier.queue;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.pullmail.notifier.NotifierProperties;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PageCursor;
import org.pullmail.service.Stats;
import org.pullmail.service.TimeOrderedIds;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * The durable queue of notifications, as the domain steers it: signals from the outbox go in, admins list it a
 * page at a time, send entries again or drop them, and the kept payloads of failed entries are purged after a
 * week. Sending is {@link NotificationSender}'s, reporting outcomes {@link OutcomeReporter}'s. Every change here is
 * one statement, so none needs a transaction of its own.
 */
@Service
public class NotificationQueue {

    /** One entry as admins see it. */
    public record Entry(UUID id, String messageId, String sender, String recipientDomain, QueueState state,
            int attempts, Instant createdAt, Instant nextAttemptAt, Instant giveUpAt, String lastError, Instant sentAt,
            Instant failedAt) {
    }

    /** How many entries wait: never tried, tried and due again, given up. */
    public record Depths(long pending, long retrying, long failed) {
    }

    /** Failed entries keep their notification this long, so that an admin can send them again. */
    private static final Duration FAILED_PAYLOAD_KEPT = Duration.ofDays(7);

    private final JdbcClient jdbc;
    private final NotifierProperties notifier;
    private final Clock clock;

    NotificationQueue(JdbcClient jdbc, NotifierProperties notifier, Clock clock) {
        this.jdbc = jdbc;
        this.notifier = notifier;
        this.clock = clock;
    }

    /**
     * Queues a notification to one recipient domain, due now; a repeat of one already queued (the outbox may
     * hand a signal over more than once) changes nothing. Given up at the end of the notifier's lifetime, or when
     * the notification expires if that is sooner.
     */
    void enqueue(String messageId, String notificationId, String sender, String recipientDomain, String payload,
            Instant expiresAt) {
        Instant now = clock.instant();
        Instant giveUp = now.plus(notifier.lifetime());
        if (expiresAt.isBefore(giveUp)) {
            giveUp = expiresAt;
        }
        // notification intake, for every message sent: one insert that ignores repeats, hence JdbcClient
        jdbc.sql("""
                INSERT INTO notification (id, message_id, notification_id, sender, recipient_domain, payload, state,
                                          next_attempt_at, give_up_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
                ON CONFLICT (notification_id, recipient_domain) DO NOTHING""")
                .params(TimeOrderedIds.next(), messageId, notificationId, sender, recipientDomain, payload,
                        Timestamp.from(now), Timestamp.from(giveUp), Timestamp.from(now))
                .update();
    }

    /** One page of the entries in {@code state}, newest first; {@code domain} keeps one recipient domain's. */
    public PageCursor.Page<Entry> list(QueueState state, String domain, int limit, String cursor) {
        int rows = PageCursor.fetch(limit);
        PageCursor after = PageCursor.parseTimed(cursor);
        UUID afterId = after == null ? null : after.uuid();
        // the state's condition and the keyset are constants of this class; every value is a parameter
        List<Entry> entries = jdbc.sql("SELECT id, message_id, sender, recipient_domain, state, attempts, created_at, "
                        + "next_attempt_at, give_up_at, last_error, sent_at, failed_at FROM notification WHERE "
                        + state.condition + " AND (CAST(:domain AS text) IS NULL OR recipient_domain = :domain)"
                        + (after == null ? "" : " AND (created_at, id) < (:at, :id)")
                        + " ORDER BY created_at DESC, id DESC LIMIT :rows")
                .param("domain", domain).param("at", after == null ? null : Timestamp.from(after.at()))
                .param("id", afterId).param("rows", rows)
                .query((rs, n) -> entry(rs)).list();
        return PageCursor.page(entries, limit, e -> PageCursor.after(e.createdAt(), e.id()), e -> e);
    }

    public Depths depths() {
        return jdbc.sql("""
                SELECT count(*) FILTER (WHERE state = 'pending' AND attempts = 0),
                       count(*) FILTER (WHERE state = 'pending' AND attempts > 0),
                       count(*) FILTER (WHERE state = 'failed')
                FROM notification""")
                .query((rs, n) -> new Depths(rs.getLong(1), rs.getLong(2), rs.getLong(3))).single();
    }

    /**
     * Tries the entry again now; a failed one gets a fresh lifetime (its notification is kept for this). One
     * that is sent, or failed so long ago that its notification is gone, is a 409 problem.
     */
    public int resend(UUID id) {
        int changed = resendWhere("id = :id", id, null);
        if (changed == 0) {
            throw new ApiProblem("not-resendable", HttpStatus.CONFLICT, "Cannot resend",
                    "only pending, retrying or failed entries that still hold their notification can be resent");
        }
        return changed;
    }

    /** Tries every waiting or failed entry to {@code domain} again now; answers how many. */
    public int resendDomain(String domain) {
        return resendWhere("recipient_domain = :domain", null, domain);
    }

    /** Gives the entry up now, and the sender is told (the bounce); one that is not waiting is a 404 problem. */
    public int drop(UUID id) {
        int changed = dropWhere("id = :id", id, null);
        if (changed == 0) {
            throw ApiProblem.notFound("pending queue entry " + id);
        }
        return changed;
    }

    /** Gives up every waiting entry to {@code domain} now; answers how many. */
    public int dropDomain(String domain) {
        return dropWhere("recipient_domain = :domain", null, domain);
    }

    /** What the dashboard charts: notifications sent and failed per minute, and the queue's depths now. */
    public Stats.Report stats(int minutes) {
        return new Stats(jdbc, clock.instant(), minutes)
                .series("notifications_sent", "notification", "sent_at", "true")
                .series("notifications_failed", "notification", "failed_at", "true")
                .gauge("queue_pending", "SELECT count(*) FROM notification WHERE state = 'pending' AND attempts = 0")
                .gauge("queue_retrying", "SELECT count(*) FROM notification WHERE state = 'pending' AND attempts > 0")
                .gauge("queue_failed", "SELECT count(*) FROM notification WHERE state = 'failed'")
                .report();
    }

    @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT5M")
    void purgeOldPayloads() {
        jdbc.sql("UPDATE notification SET payload = NULL WHERE state = 'failed' AND failed_at < ? AND payload IS NOT NULL")
                .param(Timestamp.from(clock.instant().minus(FAILED_PAYLOAD_KEPT))).update();
    }

    private int resendWhere(String condition, UUID id, String domain) {
        Instant now = clock.instant();
        return jdbc.sql("UPDATE notification SET state = 'pending', next_attempt_at = :now, "
                        + "give_up_at = greatest(give_up_at, :giveUp), failed_at = NULL, report_due = false "
                        + "WHERE " + condition + " AND state IN ('pending', 'failed') AND payload IS NOT NULL")
                .param("now", Timestamp.from(now)).param("giveUp", Timestamp.from(now.plus(notifier.lifetime())))
                .param("id", id).param("domain", domain).update();
    }

    private int dropWhere(String condition, UUID id, String domain) {
        Timestamp now = Timestamp.from(clock.instant());
        return jdbc.sql("UPDATE notification SET state = 'failed', failed_at = :now, payload = NULL, "
                        + "last_error = 'dropped by an admin', report_due = true, report_next_at = :now "
                        + "WHERE " + condition + " AND state = 'pending'")
                .param("now", now).param("id", id).param("domain", domain).update();
    }


    private static Entry entry(ResultSet rs) throws SQLException {
        return new Entry(rs.getObject("id", UUID.class), rs.getString("message_id"), rs.getString("sender"),
                rs.getString("recipient_domain"), QueueState.of(rs.getString("state"), rs.getInt("attempts")),
                rs.getInt("attempts"), instant(rs, "created_at"), instant(rs, "next_attempt_at"),
                instant(rs, "give_up_at"), rs.getString("last_error"), instant(rs, "sent_at"), instant(rs, "failed_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
