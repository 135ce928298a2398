package org.pullmail.service;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;

import org.pullmail.protocol.http.NonceStore;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;

/** Signature nonces in the service's database, so every replica refuses a replay. */
public class JdbcNonceStore implements NonceStore {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JdbcNonceStore.class);

    private final JdbcClient jdbc;
    private final Clock clock;

    public JdbcNonceStore(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * The nonces live in an unlogged table, out of the WAL, so a database crash empties it; so it does
     * the one-row epoch table beside it, which says since when the store remembers. A signature made
     * before that is unknowable: it may be a replay of a request the store forgot (PROTOCOL.md 8.1). On
     * the common path this is one statement, as before.
     */
    @Override
    public Use use(String keyId, String nonce, Instant created, Instant forgetAfter) {
        int inserted = jdbc.sql("""
                INSERT INTO signature_nonce (key_id, nonce, forget_after)
                SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM signature_nonce_epoch WHERE started_at <= ?)
                ON CONFLICT DO NOTHING""")
                .params(keyId, nonce, Timestamp.from(forgetAfter), Timestamp.from(created)).update();
        if (inserted == 1) {
            return Use.FIRST;
        }
        Instant since = jdbc.sql("SELECT started_at FROM signature_nonce_epoch").query(Timestamp.class).optional()
                .map(Timestamp::toInstant).orElse(null);
        if (since == null) {
            // emptied by a crash: from the next whole second on, the store knows again
            Instant restart = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(1);
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
