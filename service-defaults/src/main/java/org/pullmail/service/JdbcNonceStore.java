package org.pullmail.service;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;

import org.pullmail.protocol.http.NonceStore;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;

/** Signature nonces in the service's database, so every replica refuses a replay. */
public class JdbcNonceStore implements NonceStore {

    private final JdbcClient jdbc;
    private final Clock clock;

    public JdbcNonceStore(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
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
