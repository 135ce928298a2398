package org.pullmail.inbox.events;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The event log behind {@code GET /api/v1/inbox/events}: written in the transaction that creates the
 * request or the message, so a client that resumes with Last-Event-ID misses nothing, whichever
 * replica it reconnects to. Request events are written by notification intake, with the rest of its
 * batch, in the same statement as the notices; the daily digests by {@code RequestDigest}, a row of figures
 * each. Events are kept a week.
 */
@Component
public class MailboxEvents {

    private static final Duration KEEP = Duration.ofDays(7);

    /**
     * One entry of a mailbox's log: {@code type} is {@code request}, {@code message} or {@code digest},
     * {@code subjectId} its id; a digest's figures are in {@code digest}.
     */
    record Event(long id, String mailbox, String type, UUID subjectId, Digest digest) {
    }

    /** The daily digest of waiting requests: how many, from how many sender domains, since when the oldest. */
    record Digest(int count, int domains, Instant oldest) {
    }

    // a digest's figures are in its own row, which the log names
    private static final String DIGEST_COLUMNS = "d.waiting, d.domains, d.oldest";
    private static final String DIGEST_JOIN = " LEFT JOIN request_digest d ON e.type = 'digest' AND d.id = e.subject_id";

    private final JdbcClient jdbc;
    private final Clock clock;

    MailboxEvents(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public void newMessage(String mailbox, UUID message) {
        jdbc.sql("INSERT INTO mailbox_event (mailbox, type, subject_id) VALUES (?, 'message', ?)")
                .params(mailbox, message).update();
    }

    /** The id of the mailbox's latest event, 0 when it has none: a new stream starts after it. */
    long latest(String mailbox) {
        return jdbc.sql("SELECT coalesce(max(id), 0) FROM mailbox_event WHERE mailbox = ?").param(mailbox)
                .query(Long.class).single();
    }

    /** The mailbox's events after {@code after}, oldest first, at most 500: what a resuming client missed. */
    List<Event> after(String mailbox, long after) {
        return jdbc.sql("SELECT e.id, e.mailbox, e.type, e.subject_id, " + DIGEST_COLUMNS
                        + " FROM (SELECT * FROM mailbox_event WHERE mailbox = ? AND id > ? ORDER BY id LIMIT 500) e"
                        + DIGEST_JOIN + " ORDER BY e.id")
                .params(mailbox, after)
                .query((rs, n) -> event(rs)).list();
    }

    /**
     * The events of many mailboxes in one query, each after its own cursor and at most 100 of them: a quiet
     * mailbox, or a client resuming from an old Last-Event-ID, never holds back the others. Oldest first.
     */
    List<Event> after(Map<String, Long> cursors) {
        String[] mailboxes = cursors.keySet().toArray(String[]::new);
        Long[] afters = new Long[mailboxes.length];
        for (int i = 0; i < mailboxes.length; i++) {
            afters[i] = cursors.get(mailboxes[i]);
        }
        return jdbc.sql("SELECT e.id, e.mailbox, e.type, e.subject_id, " + DIGEST_COLUMNS
                        + " FROM unnest(CAST(:mailboxes AS text[]), CAST(:afters AS bigint[])) AS w(mailbox, after)"
                        + " CROSS JOIN LATERAL (SELECT id, mailbox, type, subject_id FROM mailbox_event m"
                        + "   WHERE m.mailbox = w.mailbox AND m.id > w.after ORDER BY m.id LIMIT 100) e"
                        + DIGEST_JOIN + " ORDER BY e.id")
                .param("mailboxes", mailboxes).param("afters", afters)
                .query((rs, n) -> event(rs))
                .list();
    }

    private static Event event(ResultSet rs) throws SQLException {
        Timestamp oldest = rs.getTimestamp(7);
        Digest digest = oldest == null ? null : new Digest(rs.getInt(5), rs.getInt(6), oldest.toInstant());
        return new Event(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getObject(4, UUID.class), digest);
    }

    @Scheduled(fixedDelayString = "PT6H", initialDelayString = "PT1M")
    void forgetOldEvents() {
        Timestamp before = Timestamp.from(clock.instant().minus(KEEP));
        jdbc.sql("DELETE FROM mailbox_event WHERE created_at < ?").param(before).update();
        jdbc.sql("DELETE FROM request_digest WHERE day < CAST(? AS date)").param(before).update();
    }
}
