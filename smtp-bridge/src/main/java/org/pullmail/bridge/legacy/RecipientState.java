package org.pullmail.bridge.legacy;

import java.util.Arrays;
import java.util.Locale;

import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.StatusReport;

/**
 * What became of a legacy message for one recipient, and the one place that says which change may follow which
 * (PROTOCOL.md 5.3, with the bridge's receipts): {@code notified} (the inbox accepted the notification),
 * {@code fetched}, then what the recipient's domain reported ({@code stored}, {@code declined}, {@code spam}); or
 * what the inbox's receipt said instead of accepting ({@code blocked}, {@code unknown}). Every state but
 * {@code notified} and {@code fetched} is done: once every recipient is done, the bytes are deleted.
 */
enum RecipientState {
    NOTIFIED, FETCHED, STORED, DECLINED, SPAM, BLOCKED, UNKNOWN;

    /** How a reported status meets the current state. */
    enum Verdict { APPLY, REPEAT, CONFLICT }

    String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    static RecipientState of(String wire) {
        return Arrays.stream(values()).filter(s -> s.wire().equals(wire)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no recipient state " + wire));
    }

    static RecipientState of(StatusReport.Status status) {
        return switch (status) {
            case STORED -> STORED;
            case DECLINED -> DECLINED;
            case SPAM -> SPAM;
        };
    }

    /** The state an inbox's receipt leaves a recipient in. */
    static RecipientState of(NotificationReceipt.Outcome outcome) {
        return switch (outcome) {
            case BLOCKED -> BLOCKED;
            case UNKNOWN -> UNKNOWN;
            case ACCEPTED -> NOTIFIED;
        };
    }

    boolean done() {
        return this != NOTIFIED && this != FETCHED;
    }

    /** PROTOCOL.md 5.3: stored and declined while waiting; spam also after stored or declined; a repeat changes nothing. */
    Verdict onReport(StatusReport.Status status) {
        RecipientState reported = of(status);
        if (reported == this) {
            return Verdict.REPEAT;
        }
        boolean waiting = this == NOTIFIED || this == FETCHED;
        boolean allowed = switch (reported) {
            case STORED, DECLINED -> waiting;
            case SPAM -> waiting || this == STORED || this == DECLINED;
            default -> false;
        };
        return allowed ? Verdict.APPLY : Verdict.CONFLICT;
    }
}
