package org.pullmail.inbox.events;

import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The event log behind {@code GET /api/v1/inbox/events}: written in the transaction that creates the
 * request or the message, so a client that resumes with Last-Event-ID misses nothing, whichever
 * replica it reconnects to. Request events are written by notification intake, with the rest of its
 * batch, in the same statement as the notices.
 */
@Component
public class MailboxEvents {

    private final JdbcClient jdbc;

    MailboxEvents(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void newMessage(String mailbox, UUID message) {
        jdbc.sql("INSERT INTO mailbox_event (mailbox, type, subject_id) VALUES (?, 'message', ?)")
                .params(mailbox, message).update();
    }
}
