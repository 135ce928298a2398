package org.pullmail.outbox.sender;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

import org.pullmail.outbox.OutboxProperties;
import org.pullmail.service.ApiProblem;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** An account's sending limits and settings: its own where an admin set them, else the domain's. */
@Component
public class SenderAccount {

    /** Effective limits and usage of one account. */
    public record Limits(int messagesPerHour, int messagesPerDay, int recipients, long quotaBytes,
            boolean keepSentCopies) {
    }

    private final JdbcClient jdbc;
    private final OutboxProperties outbox;

    SenderAccount(JdbcClient jdbc, OutboxProperties outbox) {
        this.jdbc = jdbc;
        this.outbox = outbox;
    }

    /** Locks the account's row for the rest of the transaction, so limits hold under concurrent sends. */
    public Limits lock(String sender) {
        return jdbc.sql("""
                SELECT max_messages_per_hour, max_messages_per_day, max_recipients, quota_bytes, keep_sent_copies
                FROM sender WHERE address = ? FOR UPDATE""").param(sender)
                .query((rs, n) -> limits(rs)).optional()
                .orElseThrow(() -> notProvisioned(sender));
    }

    public Limits of(String sender) {
        return find(sender).orElseThrow(() -> notProvisioned(sender));
    }

    /** The account's limits, or empty when it has no outbox here. */
    public Optional<Limits> find(String sender) {
        return jdbc.sql("""
                SELECT max_messages_per_hour, max_messages_per_day, max_recipients, quota_bytes, keep_sent_copies
                FROM sender WHERE address = ?""").param(sender)
                .query((rs, n) -> limits(rs)).optional();
    }

    /** Bytes of messages the account still stores (kept by a trigger on message). */
    public long storedBytes(String sender) {
        return jdbc.sql("SELECT stored_bytes FROM sender WHERE address = ?")
                .param(sender).query(Long.class).optional().orElse(0L);
    }

    private Limits limits(ResultSet rs) throws SQLException {
        OutboxProperties.Limits d = outbox.limits();
        return new Limits(orDefault(rs, "max_messages_per_hour", d.messagesPerHour()),
                orDefault(rs, "max_messages_per_day", d.messagesPerDay()),
                orDefault(rs, "max_recipients", d.recipients()),
                rs.getObject("quota_bytes") == null ? d.quotaBytes() : rs.getLong("quota_bytes"),
                rs.getObject("keep_sent_copies") == null ? outbox.keepSentCopies() : rs.getBoolean("keep_sent_copies"));
    }

    private static int orDefault(ResultSet rs, String column, int fallback) throws SQLException {
        return rs.getObject(column) == null ? fallback : rs.getInt(column);
    }

    static ApiProblem notProvisioned(String sender) {
        return new ApiProblem("account-not-provisioned", HttpStatus.FORBIDDEN, "Account cannot send",
                sender + " has no outbox in this domain");
    }
}
