package org.pullmail.outbox.delivery;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

import org.pullmail.protocol.StatusReport;

/** Where one recipient's delivery stands, as the sender sees it (PROTOCOL.md section 5). */
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
     * Not yet stored, declined or reported: {@code failed} too, since an admin may resend a notification
     * that gave up, and its recipient's domain may fetch and report before the notifier's outcome arrives.
     */
    private static final Set<DeliveryState> BEFORE_STORED = EnumSet.of(QUEUED, NOTIFIED, FETCHED, FAILED);

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DeliveryState of(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /**
     * {@code stored} and {@code declined} are accepted until the message is stored; {@code spam} also after
     * it was stored (a complaint about delivered mail) or declined. Declining stored mail is refused:
     * deleting it is the recipient's own business.
     */
    public Report onReport(StatusReport.Status status) {
        DeliveryState target = switch (status) {
            case STORED -> STORED;
            case DECLINED -> DECLINED;
            case SPAM -> SPAM;
        };
        if (this == target) {
            return Report.REPEAT;
        }
        boolean allowed = switch (status) {
            case STORED, DECLINED -> BEFORE_STORED.contains(this);
            case SPAM -> BEFORE_STORED.contains(this) || this == STORED || this == DECLINED;
        };
        return allowed ? Report.APPLY : Report.CONFLICT;
    }

    /** The state a reported status leads to. */
    public static DeliveryState reported(StatusReport.Status status) {
        return of(status.name());
    }
}
