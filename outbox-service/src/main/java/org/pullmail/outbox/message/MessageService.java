package org.pullmail.outbox.message;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.pullmail.outbox.OutboxProperties;
import org.pullmail.outbox.delivery.CapabilityToken;
import org.pullmail.outbox.delivery.DeliveryState;
import org.pullmail.outbox.delivery.DeliveryTransitions;
import org.pullmail.outbox.message.MessageViews.RecipientStatus;
import org.pullmail.outbox.message.MessageViews.SentMessage;
import org.pullmail.outbox.sender.SenderAccount;
import org.pullmail.outbox.signal.SentSignals;
import org.pullmail.outbox.signal.SignalRelay;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.NotificationBatches;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.ReplyHint;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.MessageBytes;
import org.pullmail.service.PageCursor;
import org.pullmail.service.PullmailProperties;
import org.pullmail.service.TimeOrderedIds;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Accepts messages from their senders. Limits are checked with the account's row locked; then the
 * message, one delivery per recipient, one signal request per recipient domain and the sent signal for
 * the domain's own inbox are written in one transaction: once the API answered 201 the message will be
 * announced even if every process dies right after, and a refusal queues nothing. A reply's notifications
 * carry, for each recipient, the reply hints of the ids it refers to (PROTOCOL.md 3.5).
 *
 * <p>JdbcClient: a send writes a message, its deliveries and its signal requests in a few plain inserts, and
 * the sent list reads a page in two queries.
 */
@Service
class MessageService {

    /**
     * A message ready to store: its final bytes and its recipients (Bcc only here, not in the bytes).
     *
     * @param messageId the Message-ID the bytes carry, without angle brackets
     * @param thread    what the message answers, if anything: its notifications carry reply hints for it
     */
    record Outgoing(UUID id, String messageId, Instant date, List<String> to, List<String> cc, List<String> bcc,
            String subject, ThreadReferences thread, MessageBytes.Stored content) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final MessageBytes bytes;
    private final SenderAccount accounts;
    private final DeliveryTransitions transitions;
    private final PullmailProperties pullmail;
    private final OutboxProperties outbox;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    private final SentSignals sentSignals;

    MessageService(JdbcClient jdbc, TransactionTemplate tx, MessageBytes bytes, SenderAccount accounts,
            DeliveryTransitions transitions, PullmailProperties pullmail, OutboxProperties outbox, Clock clock,
            ApplicationEventPublisher events, SentSignals sentSignals) {
        this.sentSignals = sentSignals;
        this.tx = tx;
        this.transitions = transitions;
        this.bytes = bytes;
        this.events = events;
        this.jdbc = jdbc;
        this.accounts = accounts;
        this.pullmail = pullmail;
        this.outbox = outbox;
        this.clock = clock;
    }

    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    /** Stores the message and queues its announcements; if it is refused, its bytes are deleted. */
    SentMessage submit(String sender, Outgoing message) {
        try {
            return tx.execute(s -> store(sender, message));
        } catch (RuntimeException e) {
            bytes.discard(message.content());
            throw e;
        }
    }

    /**
     * The limits that do not depend on the message's bytes, checked before they are stored: an account over
     * its sending rate or quota (with the size its client declared, when it did) is refused before its upload
     * costs the database anything. {@link #submit} checks every limit again, with the account locked. One
     * read-only transaction: the account is read once for its limits and its stored bytes.
     */
    @Transactional(readOnly = true)
    void checkBeforeUpload(String sender, long declaredSize) {
        checkLimits(sender, accounts.of(sender), 0, Math.max(0, declaredSize));
    }

    private SentMessage store(String sender, Outgoing message) {
        SenderAccount.Limits limits = accounts.lock(sender);
        List<String> to = normalize(message.to(), "to");
        List<String> cc = normalize(message.cc(), "cc");
        List<String> bcc = normalize(message.bcc(), "bcc");
        Set<String> all = new LinkedHashSet<>(to);
        all.addAll(cc);
        all.addAll(bcc);
        if (all.isEmpty()) {
            throw ApiProblem.invalid("a message needs at least one recipient");
        }
        MessageBytes.Stored content = message.content();
        checkLimits(sender, limits, all.size(), content.size());
        if (message.subject() != null && Notification.hasControlCharacters(message.subject())) {
            // a NUL (even one encoded as =?UTF-8?Q?a=00b?=) or another control character: no one's subject
            throw ApiProblem.invalid("the subject contains a control character");
        }

        UUID id = message.id();
        Instant now = message.date();
        Instant accepted = clock.instant();
        Instant expires = now.plus(outbox.messageLifetime());
        String digest = content.contentDigest();
        List<String> referenced = message.thread().referencedIds();
        jdbc.sql("""
                INSERT INTO message (id, sender, subject, size, digest, created_at, expires_at, referenced_ids)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(id, sender, message.subject(), content.size(), digest, Timestamp.from(now),
                        Timestamp.from(expires), referenced.isEmpty() ? null : referenced.toArray(String[]::new))
                .update();
        bytes.keep(content);

        Map<String, List<Notification.Recipient>> byDomain = new LinkedHashMap<>();
        Map<String, String> kinds = new LinkedHashMap<>();
        Map<String, byte[]> tokenHashes = new LinkedHashMap<>();
        for (String recipient : all) {
            CapabilityToken token = CapabilityToken.generate();
            kinds.put(recipient, to.contains(recipient) ? "to" : cc.contains(recipient) ? "cc" : "bcc");
            tokenHashes.put(recipient, token.hash());
            byDomain.computeIfAbsent(Addresses.domainOf(recipient), d -> new ArrayList<>())
                    .add(new Notification.Recipient(recipient, token.value(), replyHints(referenced, recipient)));
        }
        String fetchUrl = pullmail.fetchBase() + id.toString();
        Notification announcement = new Notification(id.toString(), sender, List.of(), preview(message.subject()),
                content.size(), digest, fetchUrl, now, expires);
        for (var entry : byDomain.entrySet()) {
            // one notification per recipient domain, or several when the recipients do not fit in 4 KiB;
            // each has its own id and each recipient its own token
            for (Notification notification : NotificationBatches.split(announcement, entry.getValue())) {
                jdbc.sql("""
                        INSERT INTO signal_request (id, message_id, notification_id, recipient_domain, payload, expires_at,
                                                    next_attempt_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)""")
                        .params(TimeOrderedIds.next(), id, notification.id(), entry.getKey(),
                                new String(PmpJson.write(notification), StandardCharsets.UTF_8),
                                Timestamp.from(expires), Timestamp.from(now))
                        .update();
                for (Notification.Recipient r : notification.recipients()) {
                    jdbc.sql("""
                            INSERT INTO delivery (id, message_id, notification_id, recipient, recipient_domain, kind, token_hash,
                                                  state, queued_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                            .params(TimeOrderedIds.next(), id, notification.id(), r.address(),
                                    entry.getKey(), kinds.get(r.address()), tokenHashes.get(r.address()),
                                    DeliveryState.QUEUED.wire(), Timestamp.from(accepted))
                            .update();
                }
            }
        }
        events.publishEvent(new SignalRelay.SignalsQueued());
        Set<String> correspondents = new LinkedHashSet<>(to);
        correspondents.addAll(cc);
        correspondents.remove(sender); // writing to oneself teaches the inbox nothing
        sentSignals.queue(sender, message.messageId(), List.copyOf(correspondents), now);
        return find(sender, id);
    }

    /**
     * A recipient's reply hints: one per referenced id, computed for its own address, so that hints for one
     * thread differ between recipients. Null without references: ordinary mail's notifications do not grow.
     */
    private static List<String> replyHints(List<String> referenced, String recipient) {
        return referenced.isEmpty() ? null : referenced.stream().map(id -> ReplyHint.of(id, recipient)).toList();
    }

    private void checkLimits(String sender, SenderAccount.Limits limits, int recipients, long size) {
        if (size > outbox.maxMessageBytes()) {
            throw new ApiProblem("too-large", HttpStatus.PAYLOAD_TOO_LARGE, "Message too large",
                    "the message is " + size + " bytes; the limit is " + outbox.maxMessageBytes());
        }
        if (recipients > limits.recipients()) {
            throw new ApiProblem("too-many-recipients", HttpStatus.PAYLOAD_TOO_LARGE, "Too many recipients",
                    "a message from this account may have at most " + limits.recipients() + " recipients");
        }
        Instant now = clock.instant();
        int lastHour = sentSince(sender, now.minus(Duration.ofHours(1)), limits.messagesPerHour());
        if (lastHour >= limits.messagesPerHour()) {
            throw new ApiProblem("sending-rate-exceeded", HttpStatus.TOO_MANY_REQUESTS, "Sending limit reached",
                    "this account may send " + limits.messagesPerHour() + " messages an hour",
                    retryAfter(sender, now, Duration.ofHours(1), limits.messagesPerHour()));
        }
        int lastDay = sentSince(sender, now.minus(Duration.ofDays(1)), limits.messagesPerDay());
        if (lastDay >= limits.messagesPerDay()) {
            throw new ApiProblem("sending-rate-exceeded", HttpStatus.TOO_MANY_REQUESTS, "Sending limit reached",
                    "this account may send " + limits.messagesPerDay() + " messages a day",
                    retryAfter(sender, now, Duration.ofDays(1), limits.messagesPerDay()));
        }
        long stored = accounts.storedBytes(sender);
        if (stored + size > limits.quotaBytes()) {
            throw new ApiProblem("quota-exceeded", HttpStatus.PAYLOAD_TOO_LARGE, "Storage quota exceeded",
                    "this account stores " + stored + " bytes; with this message it would exceed its quota of "
                            + limits.quotaBytes() + " bytes (recall or wait for older messages to expire)");
        }
    }

    /** Messages sent since {@code since}, counted up to {@code limit}: a send never reads more than the limit. */
    private int sentSince(String sender, Instant since, int limit) {
        return jdbc.sql("""
                SELECT count(*) FROM (SELECT 1 FROM message WHERE sender = ? AND created_at > ? LIMIT ?) AS counted""")
                .params(sender, Timestamp.from(since), limit).query(Integer.class).single();
    }

    /** When the oldest message that counts against the window leaves it. */
    private Duration retryAfter(String sender, Instant now, Duration window, int limit) {
        Instant oldestCounted = jdbc.sql("""
                SELECT created_at FROM message WHERE sender = ? AND created_at > ?
                ORDER BY created_at DESC OFFSET ? LIMIT 1""")
                .params(sender, Timestamp.from(now.minus(window)), limit - 1)
                .query((rs, n) -> rs.getTimestamp(1).toInstant()).optional().orElse(now);
        Duration wait = Duration.between(now, oldestCounted.plus(window));
        return wait.isNegative() || wait.isZero() ? Duration.ofSeconds(1) : wait;
    }

    SentMessage find(String sender, UUID id) {
        SentMessage message = jdbc.sql(SELECT + " WHERE id = ? AND sender = ?")
                .params(id, sender)
                .query((rs, n) -> message(rs))
                .optional().orElseThrow(() -> ApiProblem.notFound("message " + id));
        return withRecipients(message);
    }

    /**
     * The sender's messages, newest first, one page after {@code cursor}; with {@code state}, those with a
     * delivery in that state. Two queries a page: the messages, then the deliveries of all of them.
     */
    PageCursor.Page<SentMessage> list(String sender, DeliveryState state, int limit, String cursor) {
        int rows = PageCursor.fetch(limit);
        PageCursor after = PageCursor.parseTimed(cursor);
        UUID afterId = after == null ? null : after.uuid();
        List<SentMessage> messages = jdbc.sql(SELECT + """
                 m WHERE sender = :sender
                  AND (CAST(:state AS text) IS NULL
                       OR EXISTS (SELECT 1 FROM delivery d WHERE d.message_id = m.id AND d.state = :state))
                  AND (CAST(:after AS timestamptz) IS NULL OR (created_at, id) < (CAST(:after AS timestamptz), :afterId))
                ORDER BY created_at DESC, id DESC LIMIT :rows""")
                .param("sender", sender).param("state", state == null ? null : state.wire())
                .param("after", after == null ? null : Timestamp.from(after.at())).param("afterId", afterId)
                .param("rows", rows)
                .query((rs, n) -> message(rs))
                .list();
        PageCursor.Page<SentMessage> page = PageCursor.page(messages, limit,
                m -> PageCursor.after(m.createdAt(), m.id()), m -> m);
        return new PageCursor.Page<>(withRecipients(page.entries()), page.next());
    }

    /** The message a cursor of this list names: a time and a message id (PageCursor checks the encoding only). */

    /** The size of a sent message whose bytes are still kept (the sender's copy), to stream them. */
    long storedSize(String sender, UUID id) {
        SentMessage message = jdbc.sql(SELECT + " WHERE id = ? AND sender = ?").params(id, sender)
                .query((rs, n) -> message(rs)).optional()
                .orElseThrow(() -> ApiProblem.notFound("message " + id));
        if (!message.contentStored()) {
            throw new ApiProblem("content-deleted", HttpStatus.GONE, "Deleted",
                    "the message's bytes were deleted when it expired or after every recipient had it");
        }
        return message.size();
    }

    /** Recall: every delivery not yet fetched becomes recalled, and its token can never fetch. */
    @Transactional
    SentMessage recall(String sender, UUID id) {
        find(sender, id);
        Instant now = clock.instant();
        jdbc.sql("UPDATE message SET recalled_at = COALESCE(recalled_at, ?) WHERE id = ?")
                .params(Timestamp.from(now), id).update();
        transitions.recall(id, now);
        return find(sender, id);
    }

    private static final String SELECT = """
            SELECT id, sender, subject, size, created_at, expires_at, recalled_at, content_deleted_at IS NULL AS stored
            FROM message""";

    private static SentMessage message(ResultSet rs) throws SQLException {
        return new SentMessage(rs.getObject("id", UUID.class), rs.getString("sender"), rs.getString("subject"),
                rs.getLong("size"), rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("expires_at").toInstant(),
                instant(rs.getTimestamp("recalled_at")), rs.getBoolean("stored"), List.of());
    }

    private SentMessage withRecipients(SentMessage m) {
        return withRecipients(List.of(m)).get(0);
    }

    /** The messages with their recipients' deliveries, read for all of them in one query. */
    private List<SentMessage> withRecipients(List<SentMessage> messages) {
        if (messages.isEmpty()) {
            return messages;
        }
        Map<UUID, List<RecipientStatus>> byMessage = new HashMap<>();
        jdbc.sql("""
                SELECT message_id, recipient, state, detail, queued_at, notified_at, fetched_at, stored_at, declined_at,
                       failed_at, expired_at, recalled_at
                FROM delivery WHERE message_id = ANY (?) ORDER BY message_id, kind DESC, recipient""")
                .param(messages.stream().map(SentMessage::id).toArray(UUID[]::new))
                .query(rs -> {
                    byMessage.computeIfAbsent(rs.getObject("message_id", UUID.class), k -> new ArrayList<>())
                            .add(new RecipientStatus(rs.getString("recipient"), rs.getString("state"),
                                    rs.getString("detail"), instant(rs.getTimestamp("queued_at")),
                                    instant(rs.getTimestamp("notified_at")), instant(rs.getTimestamp("fetched_at")),
                                    instant(rs.getTimestamp("stored_at")), instant(rs.getTimestamp("declined_at")),
                                    instant(rs.getTimestamp("failed_at")), instant(rs.getTimestamp("expired_at")),
                                    instant(rs.getTimestamp("recalled_at"))));
                });
        return messages.stream().map(m -> new SentMessage(m.id(), m.from(), m.subject(), m.size(), m.createdAt(),
                m.expiresAt(), m.recalledAt(), m.contentStored(), byMessage.getOrDefault(m.id(), List.of()))).toList();
    }

    private static List<String> normalize(List<String> addresses, String field) {
        List<String> out = new ArrayList<>();
        if (addresses == null) {
            return out;
        }
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
        // (subjects with control characters are refused before this)
        if (subject == null || subject.codePointCount(0, subject.length()) <= Pmp.MAX_SUBJECT_CHARS) {
            return subject;
        }
        return subject.substring(0, subject.offsetByCodePoints(0, Pmp.MAX_SUBJECT_CHARS - 1)) + "…";
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
