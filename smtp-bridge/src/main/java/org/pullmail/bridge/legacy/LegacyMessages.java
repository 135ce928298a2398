package org.pullmail.bridge.legacy;

import java.io.InputStream;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.pullmail.protocol.Bridged;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.StatusReport;
import org.pullmail.service.MessageBytes;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The legacy messages the bridge keeps, their recipients' states and their tokens' hashes: what the SMTP side writes,
 * what a fetch and a status report read and change (PROTOCOL.md 4 and 5), and what expiry deletes. Every state change
 * goes through {@link RecipientState}.
 *
 * <p>JdbcClient: message rows beside their chunked bytes, written and read on the SMTP and fetch paths.
 */
@Component
public class LegacyMessages {

    /** A kept message as its notification describes it. */
    public record Kept(UUID id, String notificationId, String from, Bridged bridged, String subject, long size,
            String digest, Instant createdAt, Instant expiresAt, List<String> recipients) {
    }

    /** The recipient a capability token names, with what its fetch needs. */
    record Granted(UUID messageId, String recipient, RecipientState state, Instant changedAt, long size, String digest,
            Instant expiresAt, boolean contentKept) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final MessageBytes bytes;
    private final Clock clock;

    LegacyMessages(JdbcClient jdbc, TransactionTemplate tx, MessageBytes bytes, Clock clock) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.bytes = bytes;
        this.clock = clock;
    }

    public MessageBytes.Writer writer(UUID id, long maxBytes) {
        return bytes.writer(id, maxBytes);
    }

    /** The message a notification id was given to before (a client's resend), if it is still kept. */
    public Optional<Kept> byNotificationId(String notificationId) {
        return jdbc.sql("SELECT * FROM legacy_message WHERE notification_id = ?").param(notificationId)
                .query(this::kept).optional();
    }

    /**
     * Keeps a message: its row, a {@code notified} row per recipient with its token's hash, and its bytes, in one
     * transaction. {@code tokenHashes} maps each recipient to the SHA-256 of its token.
     */
    public void keep(Kept message, MessageBytes.Stored content, Map<String, byte[]> tokenHashes) {
        Instant now = clock.instant();
        tx.executeWithoutResult(s -> {
            Bridged b = message.bridged();
            jdbc.sql("""
                    INSERT INTO legacy_message (id, notification_id, from_address, mail_from, client_ip, helo, spf, dkim,
                        dkim_domains, dmarc, subject, size, digest, created_at, expires_at)
                    VALUES (:id, :nid, :from, :mailFrom, :ip, :helo, :spf, :dkim, :domains, :dmarc, :subject, :size,
                        :digest, :created, :expires)""")
                    .param("id", message.id()).param("nid", message.notificationId()).param("from", message.from())
                    .param("mailFrom", b.mailFrom()).param("ip", b.clientIp()).param("helo", b.helo())
                    .param("spf", b.spf()).param("dkim", b.dkim())
                    .param("domains", b.dkimDomains().toArray(String[]::new)).param("dmarc", b.dmarc())
                    .param("subject", message.subject()).param("size", message.size()).param("digest", message.digest())
                    .param("created", Timestamp.from(message.createdAt()))
                    .param("expires", Timestamp.from(message.expiresAt())).update();
            for (String recipient : message.recipients()) {
                jdbc.sql("INSERT INTO legacy_recipient (message_id, address, state, changed_at) VALUES (?, ?, ?, ?)")
                        .params(message.id(), recipient, RecipientState.NOTIFIED.wire(), Timestamp.from(now)).update();
            }
            insertTokens(message.id(), tokenHashes);
            bytes.keep(content);
        });
    }

    /** Tokens of a resent notification: the first notification's tokens stay valid beside them. */
    public void addTokens(UUID id, Map<String, byte[]> tokenHashes) {
        tx.executeWithoutResult(s -> insertTokens(id, tokenHashes));
    }

    private void insertTokens(UUID id, Map<String, byte[]> tokenHashes) {
        tokenHashes.forEach((recipient, hash) -> jdbc.sql(
                        "INSERT INTO legacy_token (token_hash, message_id, address) VALUES (?, ?, ?)")
                .params(hash, id, recipient).update());
    }

    /**
     * Records what the inbox's receipt said of recipients it did not accept ({@code blocked}, {@code unknown}); when
     * then no recipient waits any more, the bytes go.
     */
    public void refused(UUID id, Map<String, NotificationReceipt.Outcome> outcomes) {
        Instant now = clock.instant();
        tx.executeWithoutResult(s -> {
            outcomes.forEach((recipient, outcome) -> jdbc.sql("""
                            UPDATE legacy_recipient SET state = ?, changed_at = ?
                            WHERE message_id = ? AND address = ? AND state = ?""")
                    .params(RecipientState.of(outcome).wire(), Timestamp.from(now), id, recipient,
                            RecipientState.NOTIFIED.wire()).update());
            deleteBytesIfDone(id, now);
        });
    }

    /** Forgets a message and its bytes: nobody will fetch it (refused, or never announced). */
    public void delete(UUID id) {
        jdbc.sql("DELETE FROM legacy_message WHERE id = ?").param(id).update();
    }

    /** Discards bytes written for a message that is not kept after all. */
    public void discard(MessageBytes.Stored content) {
        bytes.discard(content);
    }

    Optional<Granted> granted(byte[] tokenHash, UUID message) {
        return jdbc.sql("""
                SELECT t.address, r.state, r.changed_at, m.size, m.digest, m.expires_at,
                       m.content_deleted_at IS NULL AS kept
                FROM legacy_token t
                JOIN legacy_recipient r ON r.message_id = t.message_id AND r.address = t.address
                JOIN legacy_message m ON m.id = t.message_id
                WHERE t.token_hash = ? AND t.message_id = ?""")
                .params(tokenHash, message)
                .query((rs, n) -> new Granted(message, rs.getString("address"), RecipientState.of(rs.getString("state")),
                        rs.getTimestamp("changed_at").toInstant(), rs.getLong("size"), rs.getString("digest"),
                        rs.getTimestamp("expires_at").toInstant(), rs.getBoolean("kept")))
                .optional();
    }

    InputStream reader(Granted granted) {
        return bytes.reader(granted.messageId(), granted.size());
    }

    /** A served fetch: a recipient that waited counts as fetched. */
    void fetched(Granted granted) {
        jdbc.sql("UPDATE legacy_recipient SET state = ?, changed_at = ? WHERE message_id = ? AND address = ? AND state = ?")
                .params(RecipientState.FETCHED.wire(), Timestamp.from(clock.instant()), granted.messageId(),
                        granted.recipient(), RecipientState.NOTIFIED.wire())
                .update();
    }

    /**
     * Applies a status report, all or nothing (PROTOCOL.md 5.2 steps 9 and 10); when every recipient is then done,
     * the bytes go.
     */
    void report(UUID message, String domain, StatusReport report) throws ProtocolException {
        Instant now = clock.instant();
        ProtocolException refusal = tx.execute(s -> {
            Map<String, RecipientState> states = new HashMap<>();
            jdbc.sql("SELECT address, state FROM legacy_recipient WHERE message_id = :id AND address IN (:addresses)"
                            + " ORDER BY address FOR UPDATE")
                    .param("id", message)
                    .param("addresses", report.recipients().stream().map(StatusReport.RecipientStatus::address).toList())
                    .query(rs -> {
                        states.put(rs.getString("address"), RecipientState.of(rs.getString("state")));
                    });
            List<StatusReport.RecipientStatus> changes = new ArrayList<>();
            for (StatusReport.RecipientStatus r : report.recipients()) {
                RecipientState current = states.get(r.address());
                if (current == null || !r.address().toLowerCase(Locale.ROOT).endsWith("@" + domain)) {
                    return new ProtocolException(ProblemType.WRONG_DOMAIN,
                            r.address() + " is not a recipient of this message in " + domain);
                }
                switch (current.onReport(r.status())) {
                    case APPLY -> changes.add(r);
                    case REPEAT -> {
                    }
                    case CONFLICT -> {
                        return new ProtocolException(ProblemType.STATUS_CONFLICT, r.address() + " is " + current.wire()
                                + ": a report of " + RecipientState.of(r.status()).wire() + " cannot follow it");
                    }
                }
            }
            for (StatusReport.RecipientStatus r : changes) {
                jdbc.sql("UPDATE legacy_recipient SET state = ?, changed_at = ? WHERE message_id = ? AND address = ?")
                        .params(RecipientState.of(r.status()).wire(), Timestamp.from(now), message, r.address()).update();
            }
            deleteBytesIfDone(message, now);
            return null;
        });
        if (refusal != null) {
            throw refusal;
        }
    }

    private void deleteBytesIfDone(UUID message, Instant now) {
        String[] waiting = {RecipientState.NOTIFIED.wire(), RecipientState.FETCHED.wire()};
        // the trigger deletes the chunks with the update
        jdbc.sql("""
                UPDATE legacy_message SET content_deleted_at = ?
                WHERE id = ? AND content_deleted_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM legacy_recipient WHERE message_id = ? AND state = ANY (?))""")
                .params(Timestamp.from(now), message, message, waiting).update();
    }

    /** Deletes the bytes of messages whose time ran out; their rows stay for late status reports. */
    int expire(Instant now) {
        return jdbc.sql("UPDATE legacy_message SET content_deleted_at = ? WHERE content_deleted_at IS NULL AND expires_at <= ?")
                .params(Timestamp.from(now), Timestamp.from(now)).update();
    }

    /** Forgets messages that expired before {@code before}: no report about them is taken any more. */
    int forget(Instant before) {
        return jdbc.sql("DELETE FROM legacy_message WHERE expires_at < ?").param(Timestamp.from(before)).update();
    }

    private Kept kept(ResultSet rs, int n) throws SQLException {
        UUID id = rs.getObject("id", UUID.class);
        Array domains = rs.getArray("dkim_domains");
        Bridged bridged = new Bridged(rs.getString("client_ip"), rs.getString("helo"), rs.getString("mail_from"),
                rs.getString("spf"), rs.getString("dkim"), Arrays.asList((String[]) domains.getArray()),
                rs.getString("dmarc"));
        List<String> recipients = jdbc.sql("SELECT address FROM legacy_recipient WHERE message_id = ? ORDER BY address")
                .param(id).query(String.class).list();
        return new Kept(id, rs.getString("notification_id"), rs.getString("from_address"), bridged,
                rs.getString("subject"), rs.getLong("size"), rs.getString("digest"),
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("expires_at").toInstant(), recipients);
    }
}
