package org.pullmail.outbox.delivery;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

import org.pullmail.protocol.StatusReport;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Every change of a delivery's state goes through here, in the caller's transaction, as one conditional
 * {@code UPDATE … WHERE state = ANY (the states it may follow)}: a delivery in any other state is left as it
 * is, and the move reports that it did not happen (a repeated outcome, a fetch after a recall). A move may
 * ask for fewer states than {@link DeliveryState#from()} allows, never for more.
 *
 * <p>JdbcClient, not JPA: the fetch path and the notifier's outcomes move deliveries on every message, and
 * retention and recall move many at once in one statement.
 */
@Component
public class DeliveryTransitions {

    /**
     * The deliveries one notification carried: its message, its recipient domain and its id (null from a
     * notifier of before notifications had ids of their own: then every one in the domain; a delivery of
     * before has a null id, and its one notification had the message's id).
     */
    public record Announcement(UUID messageId, String recipientDomain, String notificationId) {
    }

    private static final String CARRIED = " message_id = :message AND recipient_domain = :domain"
            + " AND (CAST(:notification AS text) IS NULL OR coalesce(notification_id, message_id::text) = :notification)";
    private static final String IN_FROM = " state = ANY (CAST(:from AS text[]))";
    /** States that keep when the recipient's domain was notified, once the notification's outcome arrives. */
    private static final Set<DeliveryState> NOTIFIED_OR_LATER = EnumSet.of(DeliveryState.NOTIFIED,
            DeliveryState.FETCHED, DeliveryState.STORED, DeliveryState.DECLINED, DeliveryState.SPAM);

    private final JdbcClient jdbc;

    DeliveryTransitions(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A fetch with the delivery's token succeeded. */
    public boolean fetched(UUID delivery, Instant at) {
        return move(DeliveryState.FETCHED, DeliveryState.FETCHED.from(), """
                UPDATE delivery SET state = :to, fetched_at = :at, notified_at = COALESCE(notified_at, :at)
                WHERE id = :id AND""" + IN_FROM)
                .param("at", Timestamp.from(at)).param("id", delivery).update() == 1;
    }

    /**
     * The recipient's domain reported the message stored, declined or spam (PROTOCOL.md 5.3); a complaint
     * about stored mail keeps when it was stored.
     */
    public boolean reported(UUID message, String recipient, StatusReport.Status status, Instant at) {
        DeliveryState to = DeliveryState.reported(status);
        String set = switch (status) {
            case STORED -> "stored_at = :at, fetched_at = COALESCE(fetched_at, :at)";
            case DECLINED -> "declined_at = :at, detail = 'declined by the recipient'";
            case SPAM -> "declined_at = :at, detail = CASE WHEN state = :stored THEN 'reported as spam after delivery'"
                    + " ELSE 'reported as spam' END";
        };
        JdbcClient.StatementSpec update = move(to, to.from(), "UPDATE delivery SET state = :to, " + set
                + ", notified_at = COALESCE(notified_at, :at) WHERE message_id = :message AND recipient = :recipient AND"
                + IN_FROM)
                .param("at", Timestamp.from(at)).param("message", message).param("recipient", recipient);
        if (status == StatusReport.Status.SPAM) {
            update = update.param("stored", DeliveryState.STORED.wire());
        }
        return update.update() == 1;
    }

    /**
     * The notifier gave up on a notification: the deliveries it carried that were waiting for it fail. A
     * delivery that failed before keeps its first reason.
     */
    public int gaveUp(Announcement notification, String detail, Instant at) {
        return carried(move(DeliveryState.FAILED, EnumSet.of(DeliveryState.QUEUED),
                "UPDATE delivery SET state = :to, failed_at = :at, detail = :detail WHERE" + CARRIED + " AND" + IN_FROM),
                notification)
                .param("at", Timestamp.from(at)).param("detail", detail).update();
    }

    /** The receipt says the recipient's domain has no such mailbox. */
    public boolean noSuchMailbox(Announcement notification, String recipient, Instant at) {
        return carried(move(DeliveryState.FAILED, EnumSet.of(DeliveryState.QUEUED, DeliveryState.FAILED),
                "UPDATE delivery SET state = :to, failed_at = :at, detail = 'no such mailbox'"
                        + " WHERE" + CARRIED + " AND recipient = :recipient AND" + IN_FROM), notification)
                .param("at", Timestamp.from(at)).param("recipient", recipient).update() == 1;
    }

    /** The receipt says the recipient blocks the sender: the delivery is declined before any fetch. */
    public boolean blocked(Announcement notification, String recipient, Instant at) {
        return carried(move(DeliveryState.DECLINED, EnumSet.of(DeliveryState.QUEUED, DeliveryState.FAILED),
                "UPDATE delivery SET state = :to, declined_at = :at, detail = 'blocked by the recipient'"
                        + " WHERE" + CARRIED + " AND recipient = :recipient AND" + IN_FROM), notification)
                .param("at", Timestamp.from(at)).param("recipient", recipient).update() == 1;
    }

    /**
     * The receipt says the recipient accepted the notification at {@code notifiedAt}. The recipient's domain
     * may have fetched (even stored) the message before this outcome arrives: such a delivery keeps its later
     * state and learns when it was notified. A delivery that failed after that time stays failed: the SMTP bridge
     * may report a refusal before the notifier's outcome of the hand-over arrives; one that failed before it (a
     * notification an admin resent) is notified now. Returns whether the delivery moved to notified.
     */
    public boolean accepted(Announcement notification, String recipient, Instant notifiedAt) {
        Timestamp at = Timestamp.from(notifiedAt);
        if (carried(move(DeliveryState.NOTIFIED, DeliveryState.NOTIFIED.from(),
                "UPDATE delivery SET state = :to, notified_at = LEAST(notified_at, :at)"
                        + " WHERE" + CARRIED + " AND recipient = :recipient AND" + IN_FROM
                        + " AND (state <> :failed OR failed_at IS NULL OR failed_at <= :at)"), notification)
                .param("failed", DeliveryState.FAILED.wire())
                .param("at", at).param("recipient", recipient).update() == 1) {
            return true;
        }
        // no change of state: only when it was notified
        carried(jdbc.sql("UPDATE delivery SET notified_at = LEAST(notified_at, :at)"
                + " WHERE" + CARRIED + " AND recipient = :recipient AND" + IN_FROM), notification)
                .param("at", at).param("recipient", recipient).param("from", wires(NOTIFIED_OR_LATER)).update();
        return false;
    }

    /**
     * The recipients of the notification that its receipt did not list (or every one, when the receipt was
     * unreadable) count as accepted (PROTOCOL.md 3.4), if they were still waiting for it: a recipient that this
     * same outcome failed or declined stays so. Returns how many moved.
     */
    public int acceptedUnlisted(Announcement notification, Instant notifiedAt) {
        return carried(move(DeliveryState.NOTIFIED, EnumSet.of(DeliveryState.QUEUED),
                "UPDATE delivery SET state = :to, notified_at = COALESCE(notified_at, :at) WHERE" + CARRIED + " AND"
                        + IN_FROM), notification)
                .param("at", Timestamp.from(notifiedAt)).update();
    }

    /**
     * This domain's SMTP bridge delivered the message to the recipient's MTA, which answered 2xx after DATA: the
     * delivery is stored, as if the recipient's domain had reported so.
     */
    public boolean smtpStored(UUID message, String recipient, Instant at) {
        return reported(message, recipient, StatusReport.Status.STORED, at);
    }

    /**
     * The recipient's MTA refused the message (5xx), or the SMTP bridge gave up on it: the delivery fails with
     * {@code detail} (the MTA's reply), also after the bridge fetched it. A delivery that failed before keeps its
     * first reason.
     */
    public boolean smtpFailed(UUID message, String recipient, String detail, Instant at) {
        return move(DeliveryState.FAILED, EnumSet.of(DeliveryState.QUEUED, DeliveryState.NOTIFIED, DeliveryState.FETCHED),
                "UPDATE delivery SET state = :to, failed_at = :at, detail = :detail"
                        + " WHERE message_id = :message AND recipient = :recipient AND" + IN_FROM)
                .param("at", Timestamp.from(at)).param("detail", detail).param("message", message)
                .param("recipient", recipient).update() == 1;
    }

    /** Deliveries not fetched before their message expired expire, all at once. Returns how many. */
    public int expire(Instant now) {
        return move(DeliveryState.EXPIRED, DeliveryState.EXPIRED.from(), """
                UPDATE delivery d SET state = :to, expired_at = :now, detail = 'not fetched before it expired'
                FROM message m
                WHERE m.id = d.message_id AND m.expires_at < :now AND d.state = ANY (CAST(:from AS text[]))""")
                .param("now", Timestamp.from(now)).update();
    }

    /** The sender recalled the message: its deliveries not yet fetched are recalled. Returns how many. */
    public int recall(UUID message, Instant at) {
        return move(DeliveryState.RECALLED, DeliveryState.RECALLED.from(),
                "UPDATE delivery SET state = :to, recalled_at = :at WHERE message_id = :message AND" + IN_FROM)
                .param("at", Timestamp.from(at)).param("message", message).update();
    }

    /** The statement of a move to {@code to}, from {@code from} only, which the rules must allow. */
    private JdbcClient.StatementSpec move(DeliveryState to, Set<DeliveryState> from, String sql) {
        if (from.isEmpty() || !to.from().containsAll(from)) {
            throw new IllegalArgumentException("a delivery never moves to " + to.wire() + " from " + from);
        }
        return jdbc.sql(sql).param("to", to.wire()).param("from", wires(from));
    }

    private static JdbcClient.StatementSpec carried(JdbcClient.StatementSpec statement, Announcement notification) {
        return statement.param("message", notification.messageId()).param("domain", notification.recipientDomain())
                .param("notification", notification.notificationId());
    }

    private static String[] wires(Set<DeliveryState> states) {
        return states.stream().map(DeliveryState::wire).toArray(String[]::new);
    }
}
