package org.pullmail.bridge.outbound;

/**
 * An attempt that reached no recipient's MTA, or that no retry can mend: {@code permanent} fails every recipient
 * still waiting (a null MX, a domain that does not exist, a message the outbox no longer serves); otherwise the
 * message is retried with backoff until its lifetime ends. {@code getMessage()} is what the sender reads.
 */
final class DeliveryFailure extends Exception {

    private final boolean permanent;

    private DeliveryFailure(String reason, boolean permanent, Throwable cause) {
        super(reason, cause);
        this.permanent = permanent;
    }

    static DeliveryFailure permanent(String reason) {
        return new DeliveryFailure(reason, true, null);
    }

    static DeliveryFailure temporary(String reason) {
        return new DeliveryFailure(reason, false, null);
    }

    static DeliveryFailure temporary(String reason, Throwable cause) {
        return new DeliveryFailure(reason, false, cause);
    }

    boolean isPermanent() {
        return permanent;
    }
}
