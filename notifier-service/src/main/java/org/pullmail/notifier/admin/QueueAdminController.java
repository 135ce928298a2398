package org.pullmail.notifier.admin;

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
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The outbound queue for admins: pending, retrying and failed notifications; resend now, drop,
 * and both for every entry to one recipient domain.
 */
@RestController
@RequestMapping("/api/v1/admin/queue")
class QueueAdminController {

    /** state: pending (never tried), retrying (tried, will try again), sent, failed. */
    record Entry(UUID id, String messageId, String sender, String recipientDomain, String state, int attempts,
            Instant createdAt, Instant nextAttemptAt, Instant giveUpAt, String lastError, Instant sentAt,
            Instant failedAt) {
    }

    record Entries(List<Entry> entries, Depths depths) {
    }

    record Depths(long pending, long retrying, long failed) {
    }

    record Changed(int entries) {
    }

    private final JdbcClient jdbc;
    private final NotifierProperties notifier;
    private final Clock clock;

    QueueAdminController(JdbcClient jdbc, NotifierProperties notifier, Clock clock) {
        this.jdbc = jdbc;
        this.notifier = notifier;
        this.clock = clock;
    }

    @GetMapping
    Entries list(@RequestParam(defaultValue = "retrying") String state,
            @RequestParam(required = false) String domain, @RequestParam(defaultValue = "100") int limit) {
        String where = switch (state) {
            case "pending" -> "state = 'pending' AND attempts = 0";
            case "retrying" -> "state = 'pending' AND attempts > 0";
            case "failed" -> "state = 'failed'";
            case "sent" -> "state = 'sent'";
            default -> throw ApiProblem.invalid("state is pending, retrying, failed or sent");
        };
        List<Entry> entries = jdbc.sql("SELECT id, message_id, sender, recipient_domain, state, attempts, created_at, "
                        + "next_attempt_at, give_up_at, last_error, sent_at, failed_at FROM notification WHERE " + where
                        + " AND (CAST(:domain AS text) IS NULL OR recipient_domain = :domain)"
                        + " ORDER BY created_at DESC LIMIT :limit")
                .param("domain", domain).param("limit", Math.max(1, Math.min(limit, 1000)))
                .query((rs, n) -> new Entry(rs.getObject("id", UUID.class), rs.getString("message_id"),
                        rs.getString("sender"), rs.getString("recipient_domain"),
                        "pending".equals(rs.getString("state")) && rs.getInt("attempts") > 0 ? "retrying"
                                : rs.getString("state"),
                        rs.getInt("attempts"), ts(rs, "created_at"), ts(rs, "next_attempt_at"), ts(rs, "give_up_at"),
                        rs.getString("last_error"), ts(rs, "sent_at"), ts(rs, "failed_at")))
                .list();
        return new Entries(entries, depths());
    }

    Depths depths() {
        return jdbc.sql("""
                SELECT count(*) FILTER (WHERE state = 'pending' AND attempts = 0),
                       count(*) FILTER (WHERE state = 'pending' AND attempts > 0),
                       count(*) FILTER (WHERE state = 'failed')
                FROM notification""")
                .query((rs, n) -> new Depths(rs.getLong(1), rs.getLong(2), rs.getLong(3))).single();
    }

    /** Tries again now; a failed entry gets a fresh lifetime (its payload is kept for this). */
    @PostMapping("/{id}/resend")
    @Transactional
    Changed resend(@PathVariable UUID id) {
        int changed = resendWhere("id = :id", id, null);
        if (changed == 0) {
            throw new ApiProblem("not-resendable", HttpStatus.CONFLICT, "Cannot resend",
                    "only pending, retrying or failed entries that still hold their notification can be resent");
        }
        return new Changed(changed);
    }

    @PostMapping("/resend")
    @Transactional
    Changed resendDomain(@RequestParam String domain) {
        return new Changed(resendWhere("recipient_domain = :domain", null, domain));
    }

    /** Drops the entry: it fails now, and the sender is told (the bounce). */
    @DeleteMapping("/{id}")
    @Transactional
    Changed drop(@PathVariable UUID id) {
        int changed = dropWhere("id = :id", id, null);
        if (changed == 0) {
            throw ApiProblem.notFound("pending queue entry " + id);
        }
        return new Changed(changed);
    }

    @DeleteMapping
    @Transactional
    Changed dropDomain(@RequestParam String domain) {
        return new Changed(dropWhere("recipient_domain = :domain", null, domain));
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

    @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT5M")
    void purgeOldPayloads() {
        jdbc.sql("UPDATE notification SET payload = NULL WHERE state = 'failed' AND failed_at < ? AND payload IS NOT NULL")
                .param(Timestamp.from(clock.instant().minus(Duration.ofDays(7)))).update();
    }

    private static Instant ts(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
