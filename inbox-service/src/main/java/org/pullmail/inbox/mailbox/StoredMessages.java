package org.pullmail.inbox.mailbox;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

import org.pullmail.inbox.notification.BridgedColumn;
import org.pullmail.protocol.Bridged;
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

    /** {@code tag}: the tag of the address it was sent to ({@code shop} for {@code bob+shop@beta.test}), if any. */
    /** {@code policy}: the rule that let the message in (a contact, colleague, correspondent, reply, tag…). */
    /** {@code smtp}: for mail that came over SMTP, the client, envelope sender, SPF, DKIM and DMARC; else null. */
    record MessageSummary(UUID id, String from, String subject, long size, Instant receivedAt, String tag,
            String policy, Bridged smtp) {
    }

    /** What reading a message needs before its bytes: how many there are, when, from whom, to which tag. */
    record Stored(long size, Instant receivedAt, String sender, String tag, String policy) {
    }

    private final JdbcClient jdbc;

    StoredMessages(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** One page of the mailbox's messages, newest first, after {@code cursor} (null from the newest). */
    PageCursor.Page<MessageSummary> list(String mailbox, int limit, PageCursor cursor) {
        PageCursor after = PageCursor.timed(cursor);
        JdbcClient.StatementSpec select = jdbc.sql("SELECT m.id, m.sender, m.subject, m.size, m.received_at, n.tag, n.policy,"
                        + " f.bridged::text AS bridged"
                        + " FROM message m JOIN notice n ON n.id = m.notice JOIN notification f ON f.id = n.notification"
                        + " WHERE m.mailbox = :mailbox"
                        + (after == null ? "" : " AND m.received_at <= :at AND (m.received_at < :at OR m.id < :id)")
                        + " ORDER BY m.received_at DESC, m.id DESC LIMIT :fetch")
                .param("mailbox", mailbox).param("fetch", PageCursor.fetch(limit));
        if (after != null) {
            select = select.param("at", Timestamp.from(after.at())).param("id", after.uuid());
        }
        return PageCursor.page(select.query((rs, n) -> new MessageSummary(rs.getObject("id", UUID.class),
                        rs.getString("sender"), rs.getString("subject"), rs.getLong("size"),
                        rs.getTimestamp("received_at").toInstant(), rs.getString("tag"), rs.getString("policy"),
                        BridgedColumn.read(rs.getString("bridged")))).list(),
                limit, m -> PageCursor.after(m.receivedAt(), m.id()), m -> m);
    }

    /** The message of this mailbox, or 404 (also for another mailbox's message). */
    Stored stored(String mailbox, UUID id) {
        return jdbc.sql("SELECT m.size, m.received_at, m.sender, n.tag, n.policy FROM message m JOIN notice n ON n.id = m.notice"
                        + " WHERE m.id = ? AND m.mailbox = ?")
                .params(id, mailbox)
                .query((rs, n) -> new Stored(rs.getLong("size"), rs.getTimestamp("received_at").toInstant(),
                        rs.getString("sender"), rs.getString("tag"), rs.getString("policy")))
                .optional().orElseThrow(() -> ApiProblem.notFound("message " + id));
    }
}
