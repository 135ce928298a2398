package org.pullmail.inbox.events;

import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The event log behind {@code GET /api/v1/inbox/events}: written in the transaction that creates the
 * request or the message, so a client that resumes with Last-Event-ID misses nothing, whichever
 * replica it reconnects to.
 */
@Component
public class MailboxEvents {

    private final JdbcClient jdbc;

    MailboxEvents(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void newRequest(String mailbox, UUID request) {
        jdbc.sql("INSERT INTO mailbox_event (mailbox, type, subject_id) VALUES (?, 'request', ?)")
                .params(mailbox, request).update();
    }

    /** A new request in a mailbox. */
    public record Request(String mailbox, UUID request) {
    }

    /** Many new requests, in one statement. */
    public void newRequests(List<Request> requests) {
        if (requests.isEmpty()) {
            return;
        }
        jdbc.sql("INSERT INTO mailbox_event (mailbox, type, subject_id)"
                + " SELECT u.mailbox, 'request', u.id FROM unnest(?::text[], ?::uuid[]) AS u (mailbox, id)")
                .params(requests.stream().map(Request::mailbox).toArray(String[]::new),
                        requests.stream().map(r -> r.request().toString()).toArray(String[]::new))
                .update();
    }

    public void newMessage(String mailbox, UUID message) {
        jdbc.sql("INSERT INTO mailbox_event (mailbox, type, subject_id) VALUES (?, 'message', ?)")
                .params(mailbox, message).update();
    }
}
