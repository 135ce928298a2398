package org.pullmail.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class BackoffTest {

    final Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(10));

    @Test
    void eachAttemptWaitsWithinItsDoublingCeilingAndNeverBeyondTheMaximum() {
        for (int attempt = 1; attempt <= 40; attempt++) {
            long ceiling = Math.min(600_000, 2_000L << Math.min(20, attempt - 1));
            for (int i = 0; i < 200; i++) {
                assertThat(backoff.after(attempt).toMillis()).as("attempt %d", attempt).isBetween(2_000L, ceiling);
            }
        }
    }

    @Test
    void theWaitsAreSpreadSoThatFailuresDoNotReturnTogether() {
        Set<Long> waits = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            waits.add(backoff.after(8).toMillis());
        }
        assertThat(waits).hasSizeGreaterThan(50);
    }

    @Test
    void aLongerRetryAfterWinsAndAShorterOneDoesNot() {
        assertThat(backoff.after(1, Duration.ofMinutes(30))).isEqualTo(Duration.ofMinutes(30));
        assertThat(backoff.after(1, Duration.ofMillis(1))).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(2));
        assertThat(backoff.after(3, null)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(8));
    }

    @Test
    void retryAfterIsReadInSecondsAndCappedAtAnHour() {
        assertThat(Backoff.retryAfter(" 120 ")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Backoff.retryAfter("999999")).isEqualTo(Duration.ofHours(1));
        assertThat(Backoff.retryAfter("-5")).isEqualTo(Duration.ZERO);
        assertThat(Backoff.retryAfter("Wed, 21 Oct 2026 07:28:00 GMT")).isNull();
        assertThat(Backoff.retryAfter(null)).isNull();
    }

    @Test
    void aBackoffWithoutAPositiveStartOrWithAMaximumBelowItIsRefused() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
