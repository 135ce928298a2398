package org.pullmail.inbox.notification;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.service.ApiProblem;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Notifications per window (a minute by default) per client address, per sender domain and per
 * recipient, counted in the database so that every inbox replica enforces the same limit.
 * <p>
 * The counting is done for a whole batch of notifications in one statement ({@link #add}) inside the
 * batch's transaction. Beside it each replica remembers which keys it has seen over their limit in the
 * current window ({@link #refuseIfKnownOver}), so that a flood is refused before its signatures are
 * verified or anything is read, and requests that fail before they reach a batch still count against
 * their client address ({@link #countUnverified}), added to the database with the next batch.
 */
@Component
class IntakeLimits {

    static final String SENDER_IP = "sender-ip";
    static final String SENDER_DOMAIN = "sender-domain";
    static final String RECIPIENT = "recipient";
    static final String RECIPIENT_WANTED = "recipient-wanted";

    /** A counter: its scope and what it counts (an address or a domain). */
    record Key(String scope, String key) implements Comparable<Key> {
        @Override
        public int compareTo(Key other) {
            int byScope = scope.compareTo(other.scope);
            return byScope != 0 ? byScope : key.compareTo(other.key);
        }
    }

    private final JdbcClient jdbc;
    private final Clock clock;
    private final Duration window;
    /** Keys over their limit, with the end of the window in which they are. */
    private final Map<Key, Instant> over = new ConcurrentHashMap<>();
    /** The count the database last returned for an address or a domain: {window start in ms, count}. */
    private final Map<Key, long[]> counted = new ConcurrentHashMap<>();
    /** Requests refused before they reached a batch, by client address (and domain), not yet in the database. */
    private final Map<Key, AtomicInteger> unverified = new ConcurrentHashMap<>();
    private final InboxProperties.Limits limits;

    IntakeLimits(JdbcClient jdbc, Clock clock, InboxProperties inbox) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.limits = inbox.limits();
        this.window = limits.window();
    }

    /** The limit per window of a scope. */
    int limitOf(String scope) {
        return switch (scope) {
            case SENDER_IP -> limits.perSenderIp();
            case SENDER_DOMAIN -> limits.perSenderDomain();
            default -> limits.perRecipient();
        };
    }

    Instant windowStart(Instant at) {
        long size = window.toMillis();
        return Instant.ofEpochMilli(at.toEpochMilli() / size * size);
    }

    /** Refuses at once, with 429, a key this replica has seen over its limit in the current window. */
    void refuseIfKnownOver(String scope, String key, int perWindow) {
        Key k = new Key(scope, key);
        Instant until = over.get(k);
        if (until == null) {
            return;
        }
        Instant now = clock.instant();
        if (now.isBefore(until)) {
            throw refusal(scope, perWindow, now);
        }
        over.remove(k, until);
    }

    /**
     * A request was refused before it reached a batch: it counts against its client address all the same,
     * and against its domain too once its signature proved the domain ({@code domain} null before that).
     * Added to the database with the next batch, or within a fifth of a second.
     */
    void countUnverified(String clientAddress, String domain) {
        countUnverified(new Key(SENDER_IP, clientAddress));
        if (domain != null) {
            countUnverified(new Key(SENDER_DOMAIN, domain));
        }
    }

    private void countUnverified(Key key) {
        if (unverified.size() < 100_000 || unverified.containsKey(key)) {
            int pending = unverified.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            Instant now = clock.instant();
            long[] seen = counted.get(key);
            long inDatabase = seen != null && seen[0] == windowStart(now).toEpochMilli() ? seen[1] : 0;
            if (inDatabase + pending >= limitOf(key.scope())) {
                // at the limit with what the database said last and what it has not heard of yet
                over(key, now);
            }
        }
    }

    /**
     * Adds each key's count of this batch (with the unverified requests of client addresses waiting to be
     * added), in one statement in the caller's transaction, in a fixed order of keys so that concurrent
     * batches never deadlock; returns each key's count before this batch's notifications.
     */
    Map<Key, Integer> add(Map<Key, Integer> counts, Instant now) {
        Map<Key, Integer> adding = new TreeMap<>(counts);
        for (Key key : unverified.keySet()) {
            AtomicInteger tally = unverified.remove(key);
            if (tally != null) {
                adding.merge(key, tally.get(), Integer::sum);
            }
        }
        Map<Key, Integer> before = new HashMap<>();
        if (adding.isEmpty()) {
            return before;
        }
        String[] scopes = adding.keySet().stream().map(Key::scope).toArray(String[]::new);
        String[] keys = adding.keySet().stream().map(Key::key).toArray(String[]::new);
        int[] added = adding.values().stream().mapToInt(Integer::intValue).toArray();
        jdbc.sql("INSERT INTO intake_window (scope, key, window_start, count)"
                + " SELECT u.scope, u.key, ?, u.count FROM unnest(?::text[], ?::text[], ?::int[]) AS u (scope, key, count)"
                + " ON CONFLICT (scope, key, window_start) DO UPDATE SET count = intake_window.count + EXCLUDED.count"
                + " RETURNING scope, key, count")
                .params(Timestamp.from(windowStart(now)), scopes, keys, added)
                .query((rs, n) -> {
                    Key k = new Key(rs.getString(1), rs.getString(2));
                    int count = rs.getInt(3);
                    before.put(k, count - counts.getOrDefault(k, 0));
                    // an address or a domain at its limit: its next requests are refused before any work
                    if (!k.scope().startsWith(RECIPIENT)) {
                        if (counted.size() < 100_000 || counted.containsKey(k)) {
                            counted.put(k, new long[] {windowStart(now).toEpochMilli(), count});
                        }
                        if (count >= limitOf(k.scope())) {
                            over(k, now);
                        }
                    }
                    return k;
                })
                .list();
        return before;
    }

    /** Takes back counts of notifications this batch refused (a refused notification uses no allowance). */
    void subtract(Map<Key, Integer> counts, Instant now) {
        if (counts.isEmpty()) {
            return;
        }
        Map<Key, Integer> sorted = new TreeMap<>(counts);
        jdbc.sql("UPDATE intake_window w SET count = w.count - u.count"
                + " FROM unnest(?::text[], ?::text[], ?::int[]) AS u (scope, key, count)"
                + " WHERE w.scope = u.scope AND w.key = u.key AND w.window_start = ?")
                .params(sorted.keySet().stream().map(Key::scope).toArray(String[]::new),
                        sorted.keySet().stream().map(Key::key).toArray(String[]::new),
                        sorted.values().stream().mapToInt(Integer::intValue).toArray(),
                        Timestamp.from(windowStart(now)))
                .update();
    }

    /** Remembers a key found over its limit, so that its next requests are refused before any work. */
    void over(Key key, Instant now) {
        if (over.size() < 100_000) {
            over.put(key, windowStart(now).plus(window));
        }
    }

    ApiProblem refusal(String scope, int perWindow, Instant now) {
        Duration retryAfter = Duration.between(now, windowStart(now).plus(window));
        return new ApiProblem("rate-limited", HttpStatus.TOO_MANY_REQUESTS, "Too many requests",
                "more than " + perWindow + " notifications per " + window + " for this " + scope.replace('-', ' '),
                retryAfter.isZero() ? Duration.ofSeconds(1) : retryAfter);
    }

    /** Unverified requests are added with the next batch, or here when no notification comes. */
    @Scheduled(fixedDelayString = "PT0.2S", initialDelayString = "PT1S")
    void addUnverified() {
        if (!unverified.isEmpty()) {
            add(Map.of(), clock.instant());
        }
    }

    @Scheduled(fixedDelayString = "PT1M", initialDelayString = "PT1M")
    void forgetOldWindows() {
        Instant now = clock.instant();
        jdbc.sql("DELETE FROM intake_window WHERE window_start < ?")
                .param(Timestamp.from(now.minus(window.multipliedBy(2)))).update();
        over.values().removeIf(until -> !until.isAfter(now));
        long current = windowStart(now).toEpochMilli();
        counted.values().removeIf(seen -> seen[0] < current);
    }
}
