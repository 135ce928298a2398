package org.pullmail.service;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a failed piece of queued work is tried again: exponential backoff with full jitter. Attempt
 * {@code n} (from 1) waits a uniformly random time in {@code [initial, min(max, initial·2^(n-1))]}, so
 * that many failures at once do not come back at once. A peer's {@code Retry-After} is honoured when it
 * asks for longer ({@link #after(int, Duration)}).
 */
public record Backoff(Duration initial, Duration max) {

    /** The longest a peer's Retry-After may park work (PROTOCOL.md 7.1). */
    public static final Duration LONGEST_RETRY_AFTER = Duration.ofHours(1);

    public Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("a backoff needs 0 < initial <= max: " + initial + ", " + max);
        }
    }

    /** The wait before attempt {@code attempt + 1}, after {@code attempt} failed attempts (at least 1). */
    public Duration after(int attempt) {
        long first = initial.toMillis();
        long ceiling = Math.min(max.toMillis(), first << Math.min(20, Math.max(0, attempt - 1)));
        return Duration.ofMillis(first + ThreadLocalRandom.current().nextLong(Math.max(1, ceiling - first + 1)));
    }

    /** The same, but at least what the peer asked for in Retry-After ({@code retryAfter} may be null). */
    public Duration after(int attempt, Duration retryAfter) {
        Duration backoff = after(attempt);
        return retryAfter != null && retryAfter.compareTo(backoff) > 0 ? retryAfter : backoff;
    }

    /**
     * A Retry-After header in its delay-seconds form, capped at {@link #LONGEST_RETRY_AFTER}; null when it
     * is absent or not a number of seconds.
     */
    public static Duration retryAfter(String header) {
        if (header == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(header.trim());
            return Duration.ofSeconds(Math.min(LONGEST_RETRY_AFTER.toSeconds(), Math.max(0, seconds)));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
