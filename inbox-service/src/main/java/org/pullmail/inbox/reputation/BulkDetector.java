package org.pullmail.inbox.reputation;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.service.PageCursor;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Bulk mail, recognised before anything is fetched: the same content digest notified to many local
 * recipients within a window. Personal mail is written once per conversation; identical bytes to
 * dozens of people here is a mailing.
 */
@Component
public class BulkDetector {

    public record BulkDigest(String digest, String sender, long recipients, Instant firstSeen, Instant lastSeen) {
    }

    /**
     * {@link #isBulk} in SQL, for a list that shows it for each notification (aliased {@code f}) in the same
     * statement: true when the notification's digest went to enough local recipients within the window ending
     * when it was received. Binds {@code :bulk_window_seconds} and {@code :bulk_recipients}: see {@link #bind}.
     */
    public static final String IS_BULK = """
            ((SELECT count(DISTINCT bn.recipient) FROM notification bf JOIN notice bn ON bn.notification = bf.id
              WHERE bf.digest = f.digest
                AND bf.received_at > f.received_at - make_interval(secs => CAST(:bulk_window_seconds AS double precision))
                AND bf.received_at <= f.received_at + interval '1 second') >= :bulk_recipients)""";

    private final JdbcClient jdbc;
    private final InboxProperties inbox;
    private final Clock clock;

    BulkDetector(JdbcClient jdbc, InboxProperties inbox, Clock clock) {
        this.jdbc = jdbc;
        this.inbox = inbox;
        this.clock = clock;
    }

    /** Distinct local recipients of this digest within the window ending at {@code at}. */
    public long recipients(String digest, Instant at) {
        return jdbc.sql("""
                SELECT count(DISTINCT n.recipient) FROM notification f JOIN notice n ON n.notification = f.id
                WHERE f.digest = ? AND f.received_at > ? AND f.received_at <= ?""")
                .params(digest, Timestamp.from(at.minus(inbox.bulk().window())), Timestamp.from(at.plusSeconds(1)))
                .query(Long.class).single();
    }

    /** Distinct local recipients of each digest within the window ending at {@code at}, in one statement. */
    public Map<String, Long> recipients(Collection<String> digests, Instant at) {
        Map<String, Long> counts = new HashMap<>();
        jdbc.sql("SELECT d.digest, (SELECT count(DISTINCT n.recipient) FROM notification f"
                + " JOIN notice n ON n.notification = f.id"
                + " WHERE f.digest = d.digest AND f.received_at > ? AND f.received_at <= ?)"
                + " FROM unnest(?::text[]) AS d (digest)")
                .params(Timestamp.from(at.minus(inbox.bulk().window())), Timestamp.from(at.plusSeconds(1)),
                        digests.stream().distinct().toArray(String[]::new))
                .query((rs, n) -> counts.put(rs.getString(1), rs.getLong(2)))
                .list();
        return counts;
    }

    public boolean isBulk(String digest, Instant at) {
        return recipients(digest, at) >= inbox.bulk().recipients();
    }

    /** Binds the parameters of {@link #IS_BULK}. */
    public JdbcClient.StatementSpec bind(JdbcClient.StatementSpec statement) {
        return statement.param("bulk_window_seconds", inbox.bulk().window().toNanos() / 1e9)
                .param("bulk_recipients", inbox.bulk().recipients());
    }

    /** One page of the digests flagged as bulk within the last window, most recipients first. */
    public PageCursor.Page<BulkDigest> flagged(int limit, PageCursor cursor) {
        RankCursor after = RankCursor.of(cursor);
        Instant now = clock.instant();
        JdbcClient.StatementSpec select = jdbc.sql("""
                        SELECT f.digest, min(f.sender) AS sender, count(DISTINCT n.recipient) AS recipients,
                               min(f.received_at) AS first_seen, max(f.received_at) AS last_seen
                        FROM notification f JOIN notice n ON n.notification = f.id
                        WHERE f.received_at > :since
                        GROUP BY f.digest HAVING count(DISTINCT n.recipient) >= :bulk_recipients"""
                        + (after == null ? "" : " AND (count(DISTINCT n.recipient) < :recipients"
                                + " OR (count(DISTINCT n.recipient) = :recipients AND f.digest > :digest))")
                        + " ORDER BY recipients DESC, f.digest LIMIT :fetch")
                .param("since", Timestamp.from(now.minus(inbox.bulk().window())))
                .param("bulk_recipients", inbox.bulk().recipients())
                .param("fetch", PageCursor.fetch(limit));
        if (after != null) {
            select = select.param("recipients", after.count()).param("digest", after.key());
        }
        return PageCursor.page(select.query((rs, i) -> new BulkDigest(rs.getString("digest"), rs.getString("sender"),
                        rs.getLong("recipients"), rs.getTimestamp("first_seen").toInstant(),
                        rs.getTimestamp("last_seen").toInstant())).list(),
                limit, d -> RankCursor.after(d.recipients(), d.digest()), d -> d);
    }
}
