package org.pullmail.inbox.reputation;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import org.pullmail.protocol.Addresses;
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
                .param(sender).query((rs, n) -> score(rs)).optional().orElse(Score.empty(sender));
    }

    /** Sender domains, most notifications first. */
    public List<Score> domains(int limit) {
        return jdbc.sql("""
                SELECT sender, received, fetched, declined, spam, refused, first_seen FROM sender_reputation
                WHERE sender NOT LIKE '%@%' ORDER BY received DESC, sender LIMIT ?""")
                .param(limit).query((rs, n) -> score(rs)).list();
    }

    private static Score score(ResultSet rs) throws SQLException {
        long received = rs.getLong("received");
        long fetched = rs.getLong("fetched");
        return new Score(rs.getString("sender"), received, fetched, rs.getLong("declined"), rs.getLong("spam"),
                rs.getLong("refused"), received == 0 ? null : Math.min(1.0, (double) fetched / received),
                rs.getTimestamp("first_seen").toInstant());
    }
}
