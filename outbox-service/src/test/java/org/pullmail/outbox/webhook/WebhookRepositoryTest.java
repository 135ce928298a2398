package org.pullmail.outbox.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import jakarta.persistence.EntityManager;

/** An account's webhook through JPA on the real database: one per account, replaced, removed. */
@DataJpaTest
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
class WebhookRepositoryTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "outbox_jpa_test");
    }

    @Autowired
    WebhookRepository webhooks;
    @Autowired
    EntityManager entities;
    @Autowired
    DataSource dataSource;

    JdbcClient jdbc() {
        return JdbcClient.create(dataSource);
    }

    @BeforeEach
    void account() {
        jdbc().sql("INSERT INTO sender (address) VALUES ('hooked@alpha.test') ON CONFLICT DO NOTHING").update();
    }

    int rows() {
        return jdbc().sql("SELECT count(*) FROM webhook WHERE sender = 'hooked@alpha.test'").query(Integer.class).single();
    }

    @Test
    void aWebhookIsStoredReplacedAndRemoved() {
        Instant registered = Instant.now().truncatedTo(ChronoUnit.MICROS);
        webhooks.save(new Webhook("hooked@alpha.test", "https://hooks.example/a", "secret-a", registered));
        webhooks.flush();
        entities.clear();
        assertThat(rows()).isEqualTo(1);

        Webhook stored = webhooks.findById("hooked@alpha.test").orElseThrow();
        assertThat(stored.url()).isEqualTo("https://hooks.example/a");
        assertThat(stored.secret()).isEqualTo("secret-a");
        assertThat(stored.createdAt()).isEqualTo(registered);
        assertThat(stored.isNew()).as("a loaded webhook is updated, not inserted again").isFalse();

        stored.replace("https://hooks.example/b", "secret-b", registered.plusSeconds(60));
        webhooks.flush();
        entities.clear();
        assertThat(rows()).as("still one per account").isEqualTo(1);
        assertThat(jdbc().sql("SELECT url || ' ' || secret FROM webhook WHERE sender = 'hooked@alpha.test'")
                .query(String.class).single()).isEqualTo("https://hooks.example/b secret-b");

        assertThat(webhooks.remove("hooked@alpha.test")).isEqualTo(1);
        assertThat(webhooks.remove("hooked@alpha.test")).as("nothing left to remove").isZero();
        assertThat(rows()).isZero();
    }
}
