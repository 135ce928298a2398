package org.pullmail.bridge.outbound;

import java.time.Duration;

/**
 * When one delivery attempt must be over: it runs under a lease, and an attempt that outlived it would be claimed
 * again and the message sent twice. Measured on the monotonic clock.
 */
final class Deadline {

    private final Duration length;
    private final long endsAt;

    private Deadline(Duration length) {
        this.length = length;
        this.endsAt = System.nanoTime() + length.toNanos();
    }

    static Deadline in(Duration length) {
        return new Deadline(length);
    }

    Duration length() {
        return length;
    }

    Duration remaining() {
        return Duration.ofNanos(Math.max(0, endsAt - System.nanoTime()));
    }

    boolean passed() {
        return endsAt - System.nanoTime() <= 0;
    }
}
