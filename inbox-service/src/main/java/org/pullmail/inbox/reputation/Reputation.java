package org.pullmail.inbox.reputation;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.pullmail.protocol.Addresses;
import org.pullmail.service.PageCursor;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * How a sender's mail has been received here: notifications, fetches, declines, spam reports and
 * refusals, per sender address and per sender domain. The fetch ratio (fetched / received) is what
 * says whether people here want this sender's mail.
 */
@Component
public class Reputation {

    public enum Event { RECEIVED, FETCHED, DECLINED, SPAM, REFUSED }

    /**
     * A sender's counters; {@code fetchRatio} is null before anything was received, {@code firstSeen} is
     * when this domain first heard of the sender (null if never).
     */
    public record Score(String sender, long received, long fetched, long declined, long spam, long refused,
            Double fetchRatio, Instant firstSeen) {
        static Score empty(String sender) {
            return new Score(sender, 0, 0, 0, 0, 0, null, null);
        }
    }

    private final JdbcClient jdbc;

    Reputation(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Counts the event for the sender's address and for its domain; {@code sender} is an address. */
    // JdbcClient: counters, incremented in place by intake and by every decision, never read-modify-written
    /**
     * Counts the event against the sender of the notice's mail, unless that sender was never proven: SMTP mail whose
     * DMARC did not pass (PROTOCOL.md 3.6) is no mark on the address it claims, nor on its domain.
     */
    public void recordFor(UUID notice, String sender, Event event) {
        boolean proven = jdbc.sql("SELECT f.bridged IS NULL OR f.bridged ->> 'dmarc' = 'pass' FROM notice n"
                        + " JOIN notification f ON f.id = n.notification WHERE n.id = ?")
                .param(notice).query(Boolean.class).optional().orElse(true);
        if (proven) {
            record(sender, event);
        }
    }

    public void record(String sender, Event event) {
        String column = event.name().toLowerCase(Locale.ROOT);
        // both rows in one statement, in key order as intake's batches lock them (or the two could deadlock)
        String domain = Addresses.domainOf(sender);
        String first = sender.compareTo(domain) < 0 ? sender : domain;
        String second = first.equals(sender) ? domain : sender;
        jdbc.sql("INSERT INTO sender_reputation (sender, " + column + ") VALUES (?, 1), (?, 1) "
                + "ON CONFLICT (sender) DO UPDATE SET " + column + " = sender_reputation." + column
                + " + 1, last_seen = now()").params(first, second).update();
    }

    public Score of(String sender) {
        return jdbc.sql("SELECT sender, received, fetched, declined, spam, refused, first_seen FROM sender_reputation WHERE sender = ?")
                .param(sender).query((rs, n) -> score(rs, "", sender)).optional().orElse(Score.empty(sender));
    }

    /** One page of the sender domains, most notifications first, after {@code cursor} (null from the top). */
    public PageCursor.Page<Score> domains(int limit, PageCursor cursor) {
        RankCursor after = RankCursor.of(cursor);
        JdbcClient.StatementSpec select = jdbc.sql("SELECT sender, received, fetched, declined, spam, refused,"
                        + " first_seen FROM sender_reputation WHERE sender NOT LIKE '%@%'"
                        + (after == null ? ""
                                : " AND (received < :received OR (received = :received AND sender > :sender))")
                        + " ORDER BY received DESC, sender LIMIT :fetch")
                .param("fetch", PageCursor.fetch(limit));
        if (after != null) {
            select = select.param("received", after.count()).param("sender", after.key());
        }
        return PageCursor.page(select.query((rs, n) -> score(rs, "", rs.getString("sender"))).list(), limit,
                s -> RankCursor.after(s.received(), s.sender()), s -> s);
    }

    /**
     * The columns of a sender's counters for a list that joins {@code sender_reputation} as {@code alias}, each
     * named {@code alias_column}: read back with {@link #score}.
     */
    public static String columns(String alias) {
        return Stream.of("received", "fetched", "declined", "spam", "refused", "first_seen")
                .map(c -> alias + "." + c + " AS " + alias + "_" + c).collect(Collectors.joining(", "));
    }

    /**
     * The counters of {@code sender} from a row with {@link #columns} of {@code alias} ("" for the table's own
     * column names); empty when the join found none.
     */
    public static Score score(ResultSet rs, String alias, String sender) throws SQLException {
        String prefix = alias.isEmpty() ? "" : alias + "_";
        Timestamp firstSeen = rs.getTimestamp(prefix + "first_seen");
        if (firstSeen == null) {
            return Score.empty(sender);
        }
        long received = rs.getLong(prefix + "received");
        long fetched = rs.getLong(prefix + "fetched");
        return new Score(sender, received, fetched, rs.getLong(prefix + "declined"), rs.getLong(prefix + "spam"),
                rs.getLong(prefix + "refused"), received == 0 ? null : Math.min(1.0, (double) fetched / received),
                firstSeen.toInstant());
    }
}
