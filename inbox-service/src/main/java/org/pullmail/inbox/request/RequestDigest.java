package org.pullmail.inbox.request;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.inbox.notice.NoticeState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The daily digest of waiting requests, on each mailbox's push stream ({@code inbox/events}): once a day, at
 * {@code pullmail.inbox.digest.at} (UTC), every mailbox with requests waiting then gets a {@code digest} event
 * with how many wait, from how many sender domains, and since when the oldest waits. A row per mailbox and day,
 * inserted with ON CONFLICT DO NOTHING, makes it once a day however many replicas look.
 */
@Component
class RequestDigest {

    private static final Logger log = LoggerFactory.getLogger(RequestDigest.class);

    private final JdbcClient jdbc;
    private final InboxProperties.Digest settings;
    private final Clock clock;
    /** The last day this replica made the digests of: it looks again only the next day. */
    private volatile LocalDate madeFor;

    RequestDigest(JdbcClient jdbc, InboxProperties inbox, Clock clock) {
        this.jdbc = jdbc;
        this.settings = inbox.digest();
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "${pullmail.inbox.digest.check-interval:PT1M}",
            initialDelayString = "${pullmail.inbox.digest.check-interval:PT1M}")
    void makeDue() {
        Instant now = clock.instant();
        LocalDate today = now.atZone(ZoneOffset.UTC).toLocalDate();
        if (today.equals(madeFor)) {
            return;
        }
        int made = make(now);
        if (made >= 0) {
            madeFor = today;
        }
        if (made > 0) {
            log.info("made {} digests of waiting requests", made);
        }
    }

    /**
     * The digests of {@code now}'s day (UTC), if its digest time has come: one per mailbox with requests that
     * arrived before that time and still wait, unless another run (or replica) made it already. Returns how
     * many this call made, -1 before the digest time.
     */
    int make(Instant now) {
        LocalDate day = now.atZone(ZoneOffset.UTC).toLocalDate();
        Instant due = day.atTime(settings.at()).toInstant(ZoneOffset.UTC);
        if (now.isBefore(due)) {
            return -1;
        }
        return jdbc.sql("""
                WITH waiting AS (
                    SELECT n.recipient AS mailbox, count(*) AS waiting, count(DISTINCT f.sender_domain) AS domains,
                           min(n.created_at) AS oldest
                    FROM notice n JOIN notification f ON f.id = n.notification
                    WHERE n.state = ? AND n.created_at < ? AND f.expires_at > ?
                    GROUP BY n.recipient),
                  digests AS (
                    INSERT INTO request_digest (id, mailbox, day, waiting, domains, oldest)
                    SELECT gen_random_uuid(), mailbox, ?, waiting, domains, oldest FROM waiting
                    ON CONFLICT (mailbox, day) DO NOTHING RETURNING id, mailbox)
                INSERT INTO mailbox_event (mailbox, type, subject_id) SELECT mailbox, 'digest', id FROM digests""")
                .params(NoticeState.REQUESTED.wire(), Timestamp.from(due), Timestamp.from(now), day)
                .update();
    }
}
