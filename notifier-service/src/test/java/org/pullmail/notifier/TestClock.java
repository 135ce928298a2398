package org.pullmail.notifier;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * The notifier's clock in tests: it stands still until the test moves it, so that every time the notifier
 * records (next attempts, give-up times, reports) can be checked exactly. Polling and network deadlines run on
 * real time, so a moved clock takes effect at the next poll.
 */
public final class TestClock extends Clock {

    private volatile Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    @Override
    public Instant instant() {
        return now;
    }

    public void advance(Duration by) {
        now = now.plus(by);
    }

    /** Moves the clock to {@code then}, never back. */
    public void advanceTo(Instant then) {
        if (then.isAfter(now)) {
            now = then;
        }
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
