package org.pullmail.inbox.notification;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.pullmail.service.ApiProblem;

/**
 * Notifications per minute per sender domain, per client address and per recipient, counted in
 * one-minute windows in the database, so that every inbox replica enforces the same limit.
 */
@Component
class IntakeLimits {

    private final JdbcClient jdbc;
    private final Clock clock;
    private final Duration window;

    IntakeLimits(JdbcClient jdbc, Clock clock, org.pullmail.inbox.InboxProperties inbox) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.window = inbox.limits().window();
    }

    /** Counts one notification against the limit; over it, refuses with 429 and Retry-After. */
    void count(String scope, String key, int perWindow) {
        Instant now = clock.instant();
        long size = window.toMillis();
        Instant start = Instant.ofEpochMilli(now.toEpochMilli() / size * size);
        int count = jdbc.sql("""
                INSERT INTO intake_window (scope, key, window_start, count) VALUES (?, ?, ?, 1)
                ON CONFLICT (scope, key, window_start) DO UPDATE SET count = intake_window.count + 1
                RETURNING count""")
                .params(scope, key, Timestamp.from(start)).query(Integer.class).single();
        if (count > perWindow) {
            Duration retryAfter = Duration.between(now, start.plus(window));
            throw new ApiProblem("rate-limited", HttpStatus.TOO_MANY_REQUESTS, "Too many requests",
                    "more than " + perWindow + " notifications per " + window + " for this " + scope.replace('-', ' '),
                    retryAfter.isZero() ? Duration.ofSeconds(1) : retryAfter);
        }
    }

    @Scheduled(fixedDelayString = "PT1M", initialDelayString = "PT1M")
    void forgetOldWindows() {
        jdbc.sql("DELETE FROM intake_window WHERE window_start < ?")
                .param(Timestamp.from(clock.instant().minus(window.multipliedBy(2)))).update();
    }
}
