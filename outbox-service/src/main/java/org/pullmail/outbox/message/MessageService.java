package org.pullmail.outbox.message;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.pullmail.outbox.OutboxProperties;
import org.pullmail.outbox.delivery.CapabilityToken;
import org.pullmail.outbox.delivery.DeliveryState;
import org.pullmail.outbox.message.MessageViews.RecipientStatus;
import org.pullmail.outbox.message.MessageViews.SendRequest;
import org.pullmail.outbox.message.MessageViews.SentMessage;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PullmailProperties;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Accepts messages from their senders. The message, one delivery per recipient and one signal
 * request per recipient domain are written in one transaction: once the API answered 201, the
 * message will be announced even if every process dies right after.
 */
@Service
class MessageService {

    private final JdbcClient jdbc;
    private final MessageComposer composer;
    private final PullmailProperties pullmail;
    private final OutboxProperties outbox;
    private final Clock clock;

    MessageService(JdbcClient jdbc, MessageComposer composer, PullmailProperties pullmail, OutboxProperties outbox,
            Clock clock) {
        this.jdbc = jdbc;
        this.composer = composer;
        this.pullmail = pullmail;
        this.outbox = outbox;
        this.clock = clock;
    }

    @Transactional
    SentMessage send(String sender, SendRequest request) {
        requireSender(sender);
        List<String> to = normalize(request.to(), "to");
        List<String> cc = normalize(request.cc() == null ? List.of() : request.cc(), "cc");
        Set<String> all = new LinkedHashSet<>(to);
        all.addAll(cc);
        if (all.size() > outbox.maxRecipients()) {
            throw new ApiProblem("too-many-recipients", HttpStatus.BAD_REQUEST, "Too many recipients",
                    "a message may have at most " + outbox.maxRecipients() + " recipients");
        }
        if (request.subject() != null && request.subject().chars().anyMatch(c -> c == '\r' || c == '\n')) {
            throw ApiProblem.invalid("a subject is one line");
        }
        UUID id = UUID.randomUUID();
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expires = now.plus(outbox.messageLifetime());
        byte[] bytes = composer.compose(id, sender, pullmail.domain(), to, cc, request.subject(), request.text(),
                request.html(), now);
        if (bytes.length > outbox.maxMessageBytes()) {
            throw new ApiProblem("too-large", HttpStatus.PAYLOAD_TOO_LARGE, "Message too large",
                    "the message is " + bytes.length + " bytes; the limit is " + outbox.maxMessageBytes());
        }
        String digest = ContentDigest.sha256(bytes);
        jdbc.sql("""
                INSERT INTO message (id, sender, subject, size, digest, content, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(id, sender, request.subject(), bytes.length, digest, bytes, Timestamp.from(now),
                        Timestamp.from(expires))
                .update();

        Map<String, List<Notification.Recipient>> byDomain = new LinkedHashMap<>();
        for (String recipient : all) {
            CapabilityToken token = CapabilityToken.generate();
            jdbc.sql("""
                    INSERT INTO delivery (id, message_id, recipient, recipient_domain, kind, token_hash, state, queued_at)
                    VALUES (?, ?, ?, ?, ?, ?, 'queued', ?)""")
                    .params(UUID.randomUUID(), id, recipient, Addresses.domainOf(recipient),
                            to.contains(recipient) ? "to" : "cc", token.hash(), Timestamp.from(now))
                    .update();
            byDomain.computeIfAbsent(Addresses.domainOf(recipient), d -> new ArrayList<>())
                    .add(new Notification.Recipient(recipient, token.value()));
        }
        String fetchUrl = pullmail.fetchBase() + id.toString();
        for (var entry : byDomain.entrySet()) {
            Notification notification = new Notification(id.toString(), sender, entry.getValue(),
                    preview(request.subject()), bytes.length, digest, fetchUrl, now, expires);
            jdbc.sql("""
                    INSERT INTO signal_request (id, message_id, recipient_domain, payload, expires_at, next_attempt_at)
                    VALUES (?, ?, ?, ?, ?, ?)""")
                    .params(UUID.randomUUID(), id, entry.getKey(),
                            new String(PmpJson.write(notification), StandardCharsets.UTF_8),
                            Timestamp.from(expires), Timestamp.from(now))
                    .update();
        }
        return find(sender, id);
    }

    SentMessage find(String sender, UUID id) {
        SentMessage message = jdbc.sql("""
                SELECT id, sender, subject, size, created_at, expires_at, recalled_at FROM message
                WHERE id = ? AND sender = ?""")
                .params(id, sender)
                .query((rs, n) -> new SentMessage(rs.getObject("id", UUID.class), rs.getString("sender"),
                        rs.getString("subject"), rs.getLong("size"), rs.getTimestamp("created_at").toInstant(),
                        rs.getTimestamp("expires_at").toInstant(), instant(rs.getTimestamp("recalled_at")), List.of()))
                .optional().orElseThrow(() -> ApiProblem.notFound("message " + id));
        return withRecipients(message);
    }

    List<SentMessage> list(String sender, DeliveryState state, int limit) {
        List<SentMessage> messages = jdbc.sql("""
                SELECT id, sender, subject, size, created_at, expires_at, recalled_at FROM message m
                WHERE sender = :sender
                  AND (CAST(:state AS text) IS NULL
                       OR EXISTS (SELECT 1 FROM delivery d WHERE d.message_id = m.id AND d.state = :state))
                ORDER BY created_at DESC LIMIT :limit""")
                .param("sender", sender).param("state", state == null ? null : state.wire()).param("limit", limit)
                .query((rs, n) -> new SentMessage(rs.getObject("id", UUID.class), rs.getString("sender"),
                        rs.getString("subject"), rs.getLong("size"), rs.getTimestamp("created_at").toInstant(),
                        rs.getTimestamp("expires_at").toInstant(), instant(rs.getTimestamp("recalled_at")), List.of()))
                .list();
        return messages.stream().map(this::withRecipients).toList();
    }

    /** The exact bytes of a sent message (the sender's copy). */
    byte[] raw(String sender, UUID id) {
        byte[] content = jdbc.sql("SELECT content FROM message WHERE id = ? AND sender = ?").params(id, sender)
                .query((rs, n) -> rs.getBytes("content")).optional()
                .orElseThrow(() -> ApiProblem.notFound("message " + id));
        if (content == null) {
            throw new ApiProblem("expired", HttpStatus.GONE, "Deleted", "the message's bytes were deleted");
        }
        return content;
    }

    /** Recall: every delivery not yet fetched becomes recalled, and its token can never fetch. */
    @Transactional
    SentMessage recall(String sender, UUID id) {
        find(sender, id);
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.sql("UPDATE message SET recalled_at = COALESCE(recalled_at, ?) WHERE id = ?").params(now, id).update();
        jdbc.sql("""
                UPDATE delivery SET state = 'recalled', recalled_at = ?
                WHERE message_id = ? AND state IN ('queued', 'notified')""").params(now, id).update();
        return find(sender, id);
    }

    private SentMessage withRecipients(SentMessage m) {
        List<RecipientStatus> recipients = jdbc.sql("""
                SELECT recipient, state, detail, queued_at, notified_at, fetched_at, stored_at, declined_at, failed_at,
                       expired_at, recalled_at
                FROM delivery WHERE message_id = ? ORDER BY kind DESC, recipient""")
                .param(m.id())
                .query((rs, n) -> new RecipientStatus(rs.getString("recipient"), rs.getString("state"),
                        rs.getString("detail"), instant(rs.getTimestamp("queued_at")),
                        instant(rs.getTimestamp("notified_at")), instant(rs.getTimestamp("fetched_at")),
                        instant(rs.getTimestamp("stored_at")), instant(rs.getTimestamp("declined_at")),
                        instant(rs.getTimestamp("failed_at")), instant(rs.getTimestamp("expired_at")),
                        instant(rs.getTimestamp("recalled_at"))))
                .list();
        return new SentMessage(m.id(), m.from(), m.subject(), m.size(), m.createdAt(), m.expiresAt(), m.recalledAt(),
                recipients);
    }

    private void requireSender(String sender) {
        boolean known = jdbc.sql("SELECT count(*) FROM sender WHERE address = ?").param(sender)
                .query(Integer.class).single() > 0;
        if (!known) {
            throw new ApiProblem("account-not-provisioned", HttpStatus.FORBIDDEN, "Account cannot send",
                    sender + " has no outbox in this domain");
        }
    }

    private static List<String> normalize(List<String> addresses, String field) {
        List<String> out = new ArrayList<>();
        for (String address : addresses) {
            try {
                out.add(Addresses.normalize(address));
            } catch (ProtocolException e) {
                throw ApiProblem.invalid(field + ": " + e.detail());
            }
        }
        return out;
    }

    /** The notification's subject preview: at most 200 code points. */
    static String preview(String subject) {
        if (subject == null || subject.codePointCount(0, subject.length()) <= Pmp.MAX_SUBJECT_CHARS) {
            return subject;
        }
        return subject.substring(0, subject.offsetByCodePoints(0, Pmp.MAX_SUBJECT_CHARS - 1)) + "…";
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
