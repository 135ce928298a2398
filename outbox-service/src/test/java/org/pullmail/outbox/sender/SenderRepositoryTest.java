package org.pullmail.outbox.sender;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import jakarta.persistence.EntityManager;

/**
 * Sender accounts through JPA on the real database, its schema made by Flyway and checked by Hibernate
 * ({@code ddl-auto: validate}: this slice does not start when an entity and the schema disagree).
 */
@DataJpaTest
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
class SenderRepositoryTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "outbox_jpa_test");
    }

    @Autowired
    SenderRepository senders;
    @Autowired
    EntityManager entities;
    @Autowired
    DataSource dataSource;

    JdbcClient jdbc() {
        return JdbcClient.create(dataSource);
    }

    @Test
    void provisioningCreatesAnAccountOnceAndSaysWhichCallDidIt() {
        assertThat(senders.provision("new@alpha.test")).as("the first call creates it").isEqualTo(1);
        assertThat(senders.provision("new@alpha.test")).as("a repeat changes nothing").isZero();
        Sender sender = senders.findById("new@alpha.test").orElseThrow();
        assertThat(sender.createdAt()).isNotNull();
        assertThat(sender.maxMessagesPerHour()).as("the domain's default applies").isNull();
        assertThat(sender.keepSentCopies()).isNull();
        assertThat(sender.storedBytes()).isZero();
        assertThat(jdbc().sql("SELECT count(*) FROM sender WHERE address = 'new@alpha.test'").query(Integer.class)
                .single()).isEqualTo(1);
    }

    @Test
    void changingLimitsAndSettingsKeepsTheStoredBytesTheDatabaseCounted() {
        senders.provision("busy@alpha.test");
        Sender sender = senders.findById("busy@alpha.test").orElseThrow();
        assertThat(sender.storedBytes()).isZero();
        // a message stored meanwhile: the trigger on message counts its bytes in the account's row
        jdbc().sql("""
                INSERT INTO message (id, sender, subject, size, digest, created_at, expires_at)
                VALUES (?, 'busy@alpha.test', 's', 4096, 'sha-256=:x:', now(), now() + interval '1 day')""")
                .param(UUID.randomUUID()).update();

        sender.limit(10, 100, 5, 2_000_000L);
        sender.keepSentCopies(true);
        senders.flush();
        entities.clear();

        assertThat(jdbc().sql("""
                SELECT max_messages_per_hour, max_messages_per_day, max_recipients, quota_bytes, keep_sent_copies,
                       stored_bytes
                FROM sender WHERE address = 'busy@alpha.test'""")
                .query((rs, n) -> rs.getInt(1) + " " + rs.getInt(2) + " " + rs.getInt(3) + " " + rs.getLong(4) + " "
                        + rs.getBoolean(5) + " " + rs.getLong(6))
                .single()).isEqualTo("10 100 5 2000000 true 4096");
        Sender reread = senders.findById("busy@alpha.test").orElseThrow();
        assertThat(reread.storedBytes()).isEqualTo(4096);
        assertThat(reread.quotaBytes()).isEqualTo(2_000_000L);

        reread.limit(null, null, null, null);
        senders.flush();
        assertThat(jdbc().sql("SELECT max_messages_per_hour IS NULL AND quota_bytes IS NULL FROM sender"
                + " WHERE address = 'busy@alpha.test'").query(Boolean.class).single())
                .as("null limits return to the domain's defaults").isTrue();
    }

    @Test
    void onlyAProvisionedAccountIsFoundOrLocked() {
        senders.provision("here@alpha.test");
        assertThat(senders.lock("here@alpha.test")).isPresent();
        assertThat(senders.lock("nobody@alpha.test")).isEmpty();
        assertThat(senders.findById("nobody@alpha.test")).isEmpty();
    }
}
