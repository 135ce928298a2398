package org.pullmail.outbox.fetch;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.pullmail.outbox.OutboxProperties;
import org.pullmail.service.ApiProblem;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Failed fetches and status reports per client address and per token prefix, in windows kept in the
 * database so that every replica counts alike (PROTOCOL.md 4.3 and 8.5: servers rate-limit failed
 * fetches). A client over a limit is refused with 429 before its request is looked at.
 *
 * <p>JdbcClient: counters, read and bumped on the fetch path.
 */
@Component
class FailedFetchLimits {

    /** How much of a token identifies it for counting: enough to tell tokens apart, too little to use one. */
    static final int TOKEN_PREFIX = 8;

    private final JdbcClient jdbc;
    private final OutboxProperties.FailedFetches limits;
    private final Clock clock;

    FailedFetchLimits(JdbcClient jdbc, OutboxProperties outbox, Clock clock) {
        this.jdbc = jdbc;
        this.limits = outbox.failedFetches();
        this.clock = clock;
    }

    /** Refuses with 429 when the client, or the token's prefix, failed too often in the current window. */
    void check(String client, String token) {
        Instant start = windowStart();
        int byClient = failures("client", client, start);
        int byToken = token == null ? 0 : failures("token-prefix", prefix(token), start);
        if (byClient >= limits.perClient() || byToken >= limits.perTokenPrefix()) {
            Duration retryAfter = Duration.between(clock.instant(), start.plus(limits.window()));
            throw new ApiProblem("rate-limited", HttpStatus.TOO_MANY_REQUESTS, "Too many requests",
                    "too many failed fetches from this client; try again later",
                    retryAfter.isNegative() || retryAfter.isZero() ? Duration.ofSeconds(1) : retryAfter);
        }
    }

    /** Counts one failure of the client and of the token's prefix. */
    void failed(String client, String token) {
        Instant start = windowStart();
        count("client", client, start);
        if (token != null) {
            count("token-prefix", prefix(token), start);
        }
    }

    private int failures(String scope, String key, Instant start) {
        return jdbc.sql("SELECT count FROM failed_fetch_window WHERE scope = ? AND key = ? AND window_start = ?")
                .params(scope, key, Timestamp.from(start)).query(Integer.class).optional().orElse(0);
    }

    private void count(String scope, String key, Instant start) {
        jdbc.sql("""
                INSERT INTO failed_fetch_window (scope, key, window_start, count) VALUES (?, ?, ?, 1)
                ON CONFLICT (scope, key, window_start) DO UPDATE SET count = failed_fetch_window.count + 1""")
                .params(scope, key, Timestamp.from(start)).update();
    }

    private Instant windowStart() {
        long size = limits.window().toMillis();
        return Instant.ofEpochMilli(clock.instant().toEpochMilli() / size * size);
    }

    private static String prefix(String token) {
        return token.length() <= TOKEN_PREFIX ? token : token.substring(0, TOKEN_PREFIX);
    }

    @Scheduled(fixedDelayString = "PT1M", initialDelayString = "PT1M")
    void forgetOldWindows() {
        jdbc.sql("DELETE FROM failed_fetch_window WHERE window_start < ?")
                .param(Timestamp.from(clock.instant().minus(limits.window().multipliedBy(2)))).update();
    }
}
