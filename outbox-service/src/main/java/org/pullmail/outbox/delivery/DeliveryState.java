package org.pullmail.outbox.delivery;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

import org.pullmail.protocol.StatusReport;

/**
 * Where one recipient's delivery stands, as the sender sees it (PROTOCOL.md section 5), and the one place
 * that says which state may follow which. A delivery is born {@code queued}; every later change goes
 * through {@link DeliveryTransitions}.
 */
public enum DeliveryState {
    QUEUED, NOTIFIED, FETCHED, STORED, DECLINED, SPAM, FAILED, EXPIRED, RECALLED;

    /** What a status report from the recipient's domain does to a delivery (PROTOCOL.md 5). */
    public enum Report {
        /** the delivery moves to the reported state */
        APPLY,
        /** the delivery is already in the reported state: answered 204, nothing changes */
        REPEAT,
        /** the state does not allow it: the whole report is refused with 409 status-conflict */
        CONFLICT
    }

    /**
     * The recipient is not done with the message yet: it may still be fetched, so retention keeps its bytes.
     */
    public static final Set<DeliveryState> UNFINISHED = EnumSet.of(QUEUED, NOTIFIED, FETCHED);

    /** The name in the database and the API. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DeliveryState of(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /** The states a delivery may move to this one from. */
    public Set<DeliveryState> from() {
        return switch (this) {
            // only when the message is accepted
            case QUEUED -> EnumSet.noneOf(DeliveryState.class);
            // the recipient's domain accepted the notification; failed too, when an admin resent one that gave up
            case NOTIFIED -> EnumSet.of(QUEUED, FAILED);
            // a fetch with the delivery's token succeeded (PROTOCOL.md 5.4: a failed delivery's resent notification)
            case FETCHED -> EnumSet.of(QUEUED, NOTIFIED, FAILED);
            // reported stored or declined (or, declined, blocked in the receipt) until the message is stored:
            // failed too, since the recipient's domain may fetch and report before a resend's outcome arrives
            case STORED, DECLINED -> EnumSet.of(QUEUED, NOTIFIED, FETCHED, FAILED);
            // reported as spam, before it was stored or declined, or after: a complaint about delivered mail
            case SPAM -> EnumSet.of(QUEUED, NOTIFIED, FETCHED, FAILED, STORED, DECLINED);
            // the notifier gave up, or the receipt named no such mailbox; a failed delivery whose resent
            // notification names no such mailbox records that reason; and over SMTP, the recipient's MTA refused
            // what this domain's bridge had notified and fetched (or the bridge gave up)
            case FAILED -> EnumSet.of(QUEUED, NOTIFIED, FETCHED, FAILED);
            // not fetched by the time the message expired, or recalled before it was fetched
            case EXPIRED, RECALLED -> EnumSet.of(QUEUED, NOTIFIED);
        };
    }

    public boolean mayFollow(DeliveryState previous) {
        return from().contains(previous);
    }

    /**
     * {@code stored} and {@code declined} are accepted until the message is stored; {@code spam} also after
     * it was stored (a complaint about delivered mail) or declined. Declining stored mail is refused:
     * deleting it is the recipient's own business.
     */
    public Report onReport(StatusReport.Status status) {
        DeliveryState target = reported(status);
        if (this == target) {
            return Report.REPEAT;
        }
        return target.mayFollow(this) ? Report.APPLY : Report.CONFLICT;
    }

    /** The state a reported status leads to. */
    public static DeliveryState reported(StatusReport.Status status) {
        return switch (status) {
            case STORED -> STORED;
            case DECLINED -> DECLINED;
            case SPAM -> SPAM;
        };
    }
}
