package org.pullmail.inbox.notice;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Every change of a notice's state goes through here, in the caller's transaction, and only from a state
 * {@link NoticeState#from()} allows: a notice in any other state is left as it is and the move reports
 * that it did not happen (a user's second decision, a fetch that ended after an expiry).
 */
@Component
public class NoticeTransitions {

    private final JdbcClient jdbc;
    private final Clock clock;

    NoticeTransitions(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * Moves the notice to {@code to} if it may; {@code decided} records when the user's (or the policy's)
     * decision took effect, if not recorded before; {@code detail} replaces the notice's detail when given.
     * Returns whether it moved.
     */
    public boolean move(UUID notice, NoticeState to, boolean decided, String detail) {
        if (to.from().isEmpty()) {
            throw new IllegalArgumentException("a notice is never moved to " + to.wire() + ", only created so");
        }
        return jdbc.sql("UPDATE notice SET state = ?, detail = COALESCE(?, detail),"
                + " decided_at = CASE WHEN ? THEN COALESCE(decided_at, ?) ELSE decided_at END"
                + " WHERE id = ? AND state = ANY (?)")
                .params(to.wire(), detail, decided, Timestamp.from(clock.instant()), notice,
                        to.from().stream().map(NoticeState::wire).toArray(String[]::new))
                .update() == 1;
    }

    /**
     * Requests that waited longer than {@code cutoff} allows, or whose notification expired, expire: their
     * token is forgotten. Returns how many.
     */
    public int expireRequests(Instant cutoff) {
        Instant now = clock.instant();
        return jdbc.sql("UPDATE notice n SET state = :expired, token = '', decided_at = :now FROM notification f"
                + " WHERE f.id = n.notification AND n.state = ANY (CAST(:from AS text[]))"
                + " AND (n.created_at < :cutoff OR f.expires_at < :now)")
                .param("expired", NoticeState.EXPIRED.wire()).param("now", Timestamp.from(now))
                .param("from", NoticeState.EXPIRED.from().stream().map(NoticeState::wire).toArray(String[]::new))
                .param("cutoff", Timestamp.from(cutoff))
                .update();
    }
}
