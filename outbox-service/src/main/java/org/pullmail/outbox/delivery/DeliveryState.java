package org.pullmail.outbox.delivery;

import java.util.Locale;

/** Where one recipient's delivery stands, as the sender sees it (PROTOCOL.md section 5). */
public enum DeliveryState {
    QUEUED, NOTIFIED, FETCHED, STORED, DECLINED, SPAM, FAILED, EXPIRED, RECALLED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DeliveryState of(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
