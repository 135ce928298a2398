package org.pullmail.outbox.signal;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import org.pullmail.service.TimeOrderedIds;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Queues, for the domain's own inbox, what a sender sent: the addresses it wrote to in To and Cc (its learned
 * correspondents; never Bcc, whom the other recipients must not learn of either) and the message's Message-ID
 * (its replies' key, PROTOCOL.md 3.5). {@link SentSignalRelay} delivers them.
 */
@Component
public class SentSignals {

    /** Published when a sent signal is queued; the relay runs as soon as it is committed. */
    record Queued() {
    }

    private final JdbcClient jdbc;
    private final ApplicationEventPublisher events;

    SentSignals(JdbcClient jdbc, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.events = events;
    }

    /**
     * Queues one sent signal in the transaction that accepts the message: the inbox learns of exactly the mail
     * that was accepted, even if the process dies right after.
     *
     * @param messageId      the Message-ID the message carries, without angle brackets
     * @param correspondents the To and Cc addresses
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void queue(String sender, String messageId, List<String> correspondents, Instant sentAt) {
        // one insert on the send path, next to the message's own: JdbcClient, as there
        jdbc.sql("""
                INSERT INTO sent_signal (id, sender, message_id, correspondents, sent_at, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, ?)""")
                .params(TimeOrderedIds.next(), sender, messageId, correspondents.toArray(String[]::new),
                        Timestamp.from(sentAt), Timestamp.from(sentAt))
                .update();
        events.publishEvent(new Queued());
    }
}
