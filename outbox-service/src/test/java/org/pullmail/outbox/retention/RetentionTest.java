package org.pullmail.outbox.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import javax.sql.DataSource;

/** Unfetched mail expires and its bytes go; finished mail goes after the grace period unless kept. */
@SpringBootTest
@AutoConfigureMockMvc
class RetentionTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "outbox_component_test");
    }

    @Autowired
    Retention retention;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    DataSource dataSource;

    @BeforeEach
    void senders() {
        jdbc.sql("INSERT INTO sender (address) VALUES ('old@alpha.test'), ('keeper@alpha.test') ON CONFLICT DO NOTHING")
                .update();
        jdbc.sql("UPDATE sender SET keep_sent_copies = true WHERE address = 'keeper@alpha.test'").update();
    }

    UUID message(String sender, Instant created, Instant expires, String deliveryState, Instant stateAt) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO message (id, sender, subject, size, digest, created_at, expires_at)
                VALUES (?, ?, 's', 4, 'sha-256=:x:', ?, ?)""")
                .params(id, sender, Timestamp.from(created), Timestamp.from(expires)).update();
        jdbc.sql("INSERT INTO message_chunk (message_id, seq, data) VALUES (?, 0, ?)").params(id, "abcd".getBytes())
                .update();
        byte[] hash = new byte[32];
        new SecureRandom().nextBytes(hash);
        jdbc.sql("""
                INSERT INTO delivery (id, message_id, recipient, recipient_domain, kind, token_hash, state, queued_at,
                                      stored_at)
                VALUES (?, ?, 'bob@beta.test', 'beta.test', 'to', ?, ?, ?, ?)""")
                .params(UUID.randomUUID(), id, hash, deliveryState, Timestamp.from(created),
                        deliveryState.equals("stored") ? Timestamp.from(stateAt) : null)
                .update();
        return id;
    }

    String state(UUID message) {
        return jdbc.sql("SELECT state FROM delivery WHERE message_id = ?").param(message).query(String.class).single();
    }

    long storedBytes(String sender) {
        return jdbc.sql("SELECT stored_bytes FROM sender WHERE address = ?").param(sender).query(Long.class).single();
    }

    boolean hasBytes(UUID message) {
        boolean kept = jdbc.sql("SELECT content_deleted_at IS NULL FROM message WHERE id = ?").param(message)
                .query(Boolean.class).single();
        boolean chunks = jdbc.sql("SELECT count(*) > 0 FROM message_chunk WHERE message_id = ?").param(message)
                .query(Boolean.class).single();
        assertThat(chunks).as("the chunks are kept exactly while the message says its bytes are").isEqualTo(kept);
        return kept;
    }

    @Test
    void retentionExpiresDeletesAndKeepsAsConfigured() {
        Instant now = Instant.now();
        UUID unfetched = message("old@alpha.test", now.minus(Duration.ofDays(31)), now.minus(Duration.ofDays(1)),
                "notified", null);
        UUID stillOffered = message("old@alpha.test", now, now.plus(Duration.ofDays(30)), "notified", null);
        UUID storedLongAgo = message("old@alpha.test", now.minus(Duration.ofDays(10)), now.plus(Duration.ofDays(20)),
                "stored", now.minus(Duration.ofDays(8)));
        UUID storedRecently = message("old@alpha.test", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(29)),
                "stored", now.minus(Duration.ofHours(1)));
        UUID kept = message("keeper@alpha.test", now.minus(Duration.ofDays(10)), now.plus(Duration.ofDays(20)),
                "stored", now.minus(Duration.ofDays(8)));

        long storedBefore = storedBytes("old@alpha.test");
        retention.apply();

        assertThat(storedBefore - storedBytes("old@alpha.test")).as("two messages of 4 bytes lost their bytes")
                .isEqualTo(8);
        assertThat(storedBytes("old@alpha.test")).as("the account's counter agrees with its messages")
                .isEqualTo(jdbc.sql("SELECT sum(size) FROM message WHERE sender = 'old@alpha.test' AND content_deleted_at IS NULL")
                        .query(Long.class).single());
        assertThat(state(unfetched)).isEqualTo("expired");
        assertThat(hasBytes(unfetched)).isFalse();
        assertThat(state(stillOffered)).isEqualTo("notified");
        assertThat(hasBytes(stillOffered)).isTrue();
        assertThat(hasBytes(storedLongAgo)).as("finished beyond the grace period").isFalse();
        assertThat(hasBytes(storedRecently)).as("within the grace period").isTrue();
        assertThat(hasBytes(kept)).as("the account keeps sent copies").isTrue();
        assertThat(jdbc.sql("SELECT expired_at IS NOT NULL FROM delivery WHERE message_id = ?").param(unfetched)
                .query(Boolean.class).single()).isTrue();
    }

    @Test
    void aPassRunningOnAnotherReplicaIsNotRunTwice() throws Exception {
        Instant now = Instant.now();
        UUID unfetched = message("old@alpha.test", now.minus(Duration.ofDays(31)), now.minus(Duration.ofDays(1)),
                "notified", null);
        try (Connection otherReplica = dataSource.getConnection()) {
            otherReplica.setAutoCommit(false);
            otherReplica.createStatement().execute("SELECT pg_advisory_xact_lock(" + Retention.RETENTION_LOCK + ")");
            retention.apply();
            assertThat(state(unfetched)).as("the other replica's pass is still running").isEqualTo("notified");
            otherReplica.rollback();
        }
        retention.apply();
        assertThat(state(unfetched)).isEqualTo("expired");
    }
}
