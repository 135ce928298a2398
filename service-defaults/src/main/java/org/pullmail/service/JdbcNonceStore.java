package org.pullmail.service;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.pullmail.protocol.http.NonceStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;

/** Signature nonces in the service's database, so every replica refuses a replay. */
public class JdbcNonceStore implements NonceStore {

    private static final Logger log = LoggerFactory.getLogger(JdbcNonceStore.class);

    private final JdbcClient jdbc;
    private final Clock clock;

    public JdbcNonceStore(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** One use waiting for the statement that records it; its fields are guarded by {@code lock}. */
    private static final class Waiting {
        final String keyId;
        final String nonce;
        final Instant created;
        final Instant forgetAfter;
        Boolean recorded;
        RuntimeException failure;
        boolean writesNext;

        Waiting(String keyId, String nonce, Instant created, Instant forgetAfter) {
            this.keyId = keyId;
            this.nonce = nonce;
            this.created = created;
            this.forgetAfter = forgetAfter;
        }

        boolean done() {
            return recorded != null || failure != null;
        }
    }

    private final Object lock = new Object();
    private List<Waiting> queued = new ArrayList<>();
    private boolean writing;

    /**
     * The nonces live in an unlogged table, out of the WAL, so a database crash empties it; so it does
     * the one-row epoch table beside it, which says since when the store remembers. A signature made
     * before that is unknowable: it may be a replay of a request the store forgot (PROTOCOL.md 8.1).
     * <p>
     * Uses are recorded by group commit: a caller finding no statement under way writes its own use at
     * once; uses arriving meanwhile queue, and when the statement returns the first of them writes them
     * all with one statement. Nobody waits for more than one statement before their own, and a busy
     * service records many signatures per round trip.
     */
    @Override
    public Use use(String keyId, String nonce, Instant created, Instant forgetAfter) {
        Waiting mine = new Waiting(keyId, nonce, created, forgetAfter);
        boolean interrupted = false;
        synchronized (lock) {
            queued.add(mine);
            if (!writing) {
                writing = true;
                mine.writesNext = true;
            }
            // not interruptible: a use that is to write the next batch must write it, or its batch waits forever
            while (!mine.done() && !mine.writesNext) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (!mine.done()) {
            writeQueued();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        boolean recorded;
        synchronized (lock) {
            if (mine.failure != null) {
                throw mine.failure;
            }
            recorded = mine.recorded;
        }
        return recorded ? Use.FIRST : notRecorded(created);
    }

    /** Writes every queued use in one statement, then hands the writing on to the first use queued since. */
    private void writeQueued() {
        List<Waiting> batch;
        synchronized (lock) {
            batch = queued;
            queued = new ArrayList<>();
        }
        Set<Waiting> recorded = Set.of();
        Throwable thrown = null;
        try {
            recorded = recordAll(batch);
        } catch (Throwable e) {
            thrown = e;
        } finally {
            // whatever happened, every use of the batch gets an answer and the writing is handed on
            RuntimeException failure = thrown == null ? null
                    : thrown instanceof RuntimeException r ? r : new IllegalStateException("recording nonces failed", thrown);
            synchronized (lock) {
                for (Waiting w : batch) {
                    w.failure = failure;
                    w.recorded = failure == null && recorded.contains(w);
                }
                if (queued.isEmpty()) {
                    writing = false;
                } else {
                    queued.get(0).writesNext = true;
                }
                lock.notifyAll();
            }
        }
        if (thrown instanceof Error error) {
            throw error;
        }
    }

    /** The uses of the batch the statement recorded as first uses. */
    private Set<Waiting> recordAll(List<Waiting> batch) {
        Map<String, Waiting> first = new LinkedHashMap<>();
        for (Waiting w : batch) {
            // the same nonce twice in one batch: the second is a repeat (found so on the slow path)
            first.putIfAbsent(w.keyId + '\n' + w.nonce, w);
        }
        // in key order, as every batch inserts, so that two replicas' batches cannot deadlock on each other's rows
        List<Waiting> distinct = first.values().stream()
                .sorted(Comparator.comparing((Waiting w) -> w.keyId).thenComparing(w -> w.nonce)).toList();
        Set<Waiting> recorded = new HashSet<>();
        jdbc.sql("INSERT INTO signature_nonce (key_id, nonce, forget_after)"
                + " SELECT u.key_id, u.nonce, u.forget_after"
                + " FROM unnest(?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[]) AS u (key_id, nonce, forget_after, created)"
                + " WHERE EXISTS (SELECT 1 FROM signature_nonce_epoch WHERE started_at <= u.created)"
                + " ON CONFLICT DO NOTHING RETURNING key_id, nonce")
                .params(distinct.stream().map(w -> w.keyId).toArray(String[]::new),
                        distinct.stream().map(w -> w.nonce).toArray(String[]::new),
                        distinct.stream().map(w -> w.forgetAfter.toString()).toArray(String[]::new),
                        distinct.stream().map(w -> w.created.toString()).toArray(String[]::new))
                .query((rs, n) -> recorded.add(first.get(rs.getString(1) + '\n' + rs.getString(2))))
                .list();
        return recorded;
    }

    /** Not recorded: a repeat, or unknowable when the store was emptied after the signature was made. */
    private Use notRecorded(Instant created) {
        Instant since = jdbc.sql("SELECT started_at FROM signature_nonce_epoch").query(Timestamp.class).optional()
                .map(Timestamp::toInstant).orElse(null);
        if (since == null) {
            // emptied by a crash: from the next whole second on, the store knows again
            Instant restart = clock.instant().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
            jdbc.sql("INSERT INTO signature_nonce_epoch (id, started_at) VALUES (1, ?) ON CONFLICT DO NOTHING")
                    .param(Timestamp.from(restart)).update();
            log.warn("the signature nonces were lost (a database crash empties them); requests signed before {} "
                    + "are refused with 503 until they are signed afresh", restart);
            return Use.UNKNOWABLE;
        }
        return since.isAfter(created) ? Use.UNKNOWABLE : Use.REPEATED;
    }

    @Override
    public boolean firstUse(String keyId, String nonce, Instant forgetAfter) {
        return jdbc.sql("""
                INSERT INTO signature_nonce (key_id, nonce, forget_after) VALUES (?, ?, ?)
                ON CONFLICT DO NOTHING""")
                .params(keyId, nonce, Timestamp.from(forgetAfter)).update() == 1;
    }

    @Scheduled(fixedDelayString = "PT1M", initialDelayString = "PT1M")
    void forgetStaleNonces() {
        jdbc.sql("DELETE FROM signature_nonce WHERE forget_after < ?").param(Timestamp.from(clock.instant())).update();
    }
}
