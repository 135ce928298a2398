package org.pullmail.inbox.fetch;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

import org.pullmail.service.TimeOrderedIds;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Enqueues fetch and status jobs; called inside the transaction that decided them. */
@Component
public class JobQueue {

    /** Published with every enqueued job; the worker runs as soon as the transaction commits. */
    public record JobsQueued() {
    }

    private final JdbcClient jdbc;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    JobQueue(JdbcClient jdbc, Clock clock, ApplicationEventPublisher events) {
        this.events = events;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public void enqueueFetch(UUID notice, Instant giveUpAt) {
        insert(notice, "fetch", null, giveUpAt);
    }

    /** status: stored, declined or spam. */
    public void enqueueStatus(UUID notice, String status, Instant giveUpAt) {
        insert(notice, "status", status, giveUpAt);
    }

    /**
     * A spam report about a stored message. If the "stored" report has not gone yet, the spam report
     * waits for it (the worker takes a spam report only after the notice's stored report is done), so
     * the sender learns both in order and records a complaint about delivered mail.
     */
    public void enqueueComplaint(UUID notice, Instant giveUpAt) {
        insert(notice, "status", "spam", giveUpAt);
    }

    private void insert(UUID notice, String kind, String status, Instant giveUpAt) {
        Instant now = clock.instant();
        jdbc.sql("""
                INSERT INTO job (id, notice, kind, status, next_attempt_at, give_up_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (notice, kind, (coalesce(status, ''))) DO NOTHING""")
                .params(TimeOrderedIds.next(), notice, kind, status, Timestamp.from(now),
                        Timestamp.from(giveUpAt.isAfter(now) ? giveUpAt : now.plusSeconds(3600)))
                .update();
        events.publishEvent(new JobsQueued());
    }
}
