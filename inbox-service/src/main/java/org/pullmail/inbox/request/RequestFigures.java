package org.pullmail.inbox.request;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.pullmail.inbox.notice.NoticeState;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * For admins: how many requests wait and how long, and how long the requests decided lately had waited for
 * their user's decision. A request that expired undecided is counted apart: nobody decided it.
 */
@Service
class RequestFigures {

    /** How long decisions are looked back on. */
    static final Duration DECIDED_WITHIN = Duration.ofDays(7);

    /** How many, and how long they waited (or wait), in seconds: the median and the 90th percentile. */
    record Waits(long count, Double medianSeconds, Double p90Seconds) {
    }

    /**
     * @param waiting      the requests waiting now, and how long they have waited so far
     * @param decided      the requests their users decided since {@code decidedSince}, and how long each waited
     * @param expired      the requests that expired undecided since {@code decidedSince}
     */
    record Figures(Waits waiting, Waits decided, long expired, Instant decidedSince) {
    }

    private final JdbcClient jdbc;
    private final Clock clock;

    RequestFigures(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    Figures now() {
        Instant now = clock.instant();
        Instant since = now.minus(DECIDED_WITHIN);
        return jdbc.sql("""
                WITH waiting AS (
                    SELECT CAST(extract(epoch FROM (CAST(:now AS timestamptz) - n.created_at)) AS double precision) AS waited
                    FROM notice n JOIN notification f ON f.id = n.notification
                    WHERE n.state = :requested AND f.expires_at > :now),
                  decided AS (
                    SELECT n.state, CAST(extract(epoch FROM (n.decided_at - n.created_at)) AS double precision) AS waited
                    FROM notice n WHERE n.held AND n.decided_at >= :since)
                SELECT (SELECT count(*) FROM waiting) AS waiting,
                       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY waited) FROM waiting) AS waiting_p50,
                       (SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY waited) FROM waiting) AS waiting_p90,
                       (SELECT count(*) FROM decided WHERE state <> :expired) AS decided,
                       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY waited) FROM decided
                        WHERE state <> :expired) AS decided_p50,
                       (SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY waited) FROM decided
                        WHERE state <> :expired) AS decided_p90,
                       (SELECT count(*) FROM decided WHERE state = :expired) AS expired""")
                .param("now", Timestamp.from(now))
                .param("since", Timestamp.from(since))
                .param("requested", NoticeState.REQUESTED.wire())
                .param("expired", NoticeState.EXPIRED.wire())
                .query((rs, n) -> new Figures(
                        new Waits(rs.getLong("waiting"), (Double) rs.getObject("waiting_p50"),
                                (Double) rs.getObject("waiting_p90")),
                        new Waits(rs.getLong("decided"), (Double) rs.getObject("decided_p50"),
                                (Double) rs.getObject("decided_p90")),
                        rs.getLong("expired"), since))
                .single();
    }
}
