package org.pullmail.inbox.request;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.inbox.notice.NoticeTransitions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Requests nobody decided on expire after the configured time (or when the sender stops offering
 * the message), and their capability tokens are forgotten. Long-finished notices are removed.
 */
@Component
class RequestExpiry {

    private static final Logger log = LoggerFactory.getLogger(RequestExpiry.class);
    private static final Duration KEEP_FINISHED = Duration.ofDays(30);

    private final JdbcClient jdbc;
    private final NoticeTransitions notices;
    private final InboxProperties inbox;
    private final Clock clock;

    RequestExpiry(JdbcClient jdbc, NoticeTransitions notices, InboxProperties inbox, Clock clock) {
        this.jdbc = jdbc;
        this.notices = notices;
        this.inbox = inbox;
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "${pullmail.inbox.expiry-interval:PT1M}", initialDelayString = "PT10S")
    void expire() {
        Instant now = clock.instant();
        int expired = notices.expireRequests(now.minus(inbox.requestLifetime()));
        int removed = jdbc.sql("""
                WITH finished AS (
                    SELECT n.id FROM notice n
                    WHERE n.state IN ('expired', 'declined', 'spam', 'failed') AND n.decided_at < ?
                      AND NOT EXISTS (SELECT 1 FROM job j WHERE j.notice = n.id AND j.done_at IS NULL)),
                  jobs AS (DELETE FROM job WHERE notice IN (SELECT id FROM finished))
                DELETE FROM notice WHERE id IN (SELECT id FROM finished)""")
                .param(Timestamp.from(now.minus(KEEP_FINISHED))).update();
        if (expired + removed > 0) {
            log.info("expired {} requests, removed {} finished ones", expired, removed);
        }
    }
}
