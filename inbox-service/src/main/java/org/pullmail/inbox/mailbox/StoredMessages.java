package org.pullmail.inbox.mailbox;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

import org.pullmail.inbox.TimeCursor;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PageCursor;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * The messages a mailbox holds, as the fetch jobs stored them (their bytes are in {@code MessageBytes}):
 * the list, newest first, and one message's facts.
 */
@Service
class StoredMessages {

    record MessageSummary(UUID id, String from, String subject, long size, Instant receivedAt) {
    }

    /** What reading a message needs before its bytes: how many there are, when and from whom. */
    record Stored(long size, Instant receivedAt, String sender) {
    }

    private final JdbcClient jdbc;

    StoredMessages(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** One page of the mailbox's messages, newest first, after {@code cursor} (null from the newest). */
    PageCursor.Page<MessageSummary> list(String mailbox, int limit, PageCursor cursor) {
        TimeCursor after = TimeCursor.of(cursor);
        JdbcClient.StatementSpec select = jdbc.sql("SELECT id, sender, subject, size, received_at FROM message"
                        + " WHERE mailbox = :mailbox"
                        + (after == null ? "" : " AND received_at <= :at AND (received_at < :at OR id < :id)")
                        + " ORDER BY received_at DESC, id DESC LIMIT :fetch")
                .param("mailbox", mailbox).param("fetch", PageCursor.fetch(limit));
        if (after != null) {
            select = select.param("at", Timestamp.from(after.at())).param("id", after.id());
        }
        return PageCursor.page(select.query((rs, n) -> new MessageSummary(rs.getObject("id", UUID.class),
                        rs.getString("sender"), rs.getString("subject"), rs.getLong("size"),
                        rs.getTimestamp("received_at").toInstant())).list(),
                limit, m -> TimeCursor.after(m.receivedAt(), m.id()), m -> m);
    }

    /** The message of this mailbox, or 404 (also for another mailbox's message). */
    Stored stored(String mailbox, UUID id) {
        return jdbc.sql("SELECT size, received_at, sender FROM message WHERE id = ? AND mailbox = ?")
                .params(id, mailbox)
                .query((rs, n) -> new Stored(rs.getLong("size"), rs.getTimestamp("received_at").toInstant(),
                        rs.getString("sender")))
                .optional().orElseThrow(() -> ApiProblem.notFound("message " + id));
    }
}
