package org.pullmail.inbox.admin;

import java.time.Clock;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.pullmail.inbox.notice.NoticeState;
import org.pullmail.service.Stats;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** What the dashboard charts of the inbox: per-minute counts read from its own tables, and gauges. */
@Service
class InboxStats {

    /** The states a user's (or the policy's) refusal leaves a notice in. */
    private static final String DECLINED = Stream.of(NoticeState.DECLINED, NoticeState.SPAM)
            .map(s -> "'" + s.wire() + "'").collect(Collectors.joining(", "));

    private final JdbcClient jdbc;
    private final Clock clock;

    InboxStats(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** The last {@code minutes} minutes (at most a day). */
    Stats.Report report(int minutes) {
        return new Stats(jdbc, clock.instant(), minutes)
                .series("notifications_received", "notification", "received_at", "true")
                .series("messages_fetched", "message", "received_at", "true")
                .series("declines", "notice", "decided_at", "state IN (" + DECLINED + ")")
                .gauge("requests_waiting",
                        "SELECT count(*) FROM notice WHERE state = '" + NoticeState.REQUESTED.wire() + "'")
                .gauge("jobs_pending", "SELECT count(*) FROM job WHERE done_at IS NULL")
                .report();
    }
}
