package org.pullmail.service.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.protocol.http.Ed25519Keys;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.DomainKeys;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The signing keys' life on the real database, as the services that sign see it: replicas share one active key,
 * a rotation publishes before it signs, the old key stays published a day, an operator's key takes over.
 */
@DataJpaTest(showSql = false)
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
@ImportAutoConfiguration(DomainKeysAutoConfiguration.class)
@TestPropertySource(properties = {"pullmail.signs-requests=true",
        "spring.flyway.locations=classpath:db/service-defaults", "spring.jpa.hibernate.ddl-auto=validate"})
@Transactional(propagation = Propagation.NEVER) // each step commits, as in a running service
class DomainKeysTest {

    @SpringBootApplication
    static class Keys {
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "service_keys_test");
    }

    /** A clock the test moves. */
    static final class MovingClock extends Clock {
        Instant now = Instant.parse("2026-11-30T10:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Autowired
    DomainKeyRepository repository;
    @Autowired
    PlatformTransactionManager transactions;

    MovingClock clock = new MovingClock();

    @BeforeEach
    void empty() {
        repository.deleteAll();
    }

    DomainKeys start(String configuredKey) {
        return new DomainKeys(repository, new TransactionTemplate(transactions), clock, "beta.test", "inbox-service",
                configuredKey);
    }

    @Test
    void replicasStartingShareOneActiveKeyAndSignWithIt() {
        DomainKeys first = start("");
        DomainKeys second = start("");
        assertThat(repository.count()).as("nothing is asked of the database before a key is needed").isZero();
        assertThat(first.signer().keyId()).isEqualTo(second.signer().keyId()).startsWith("beta.test/inbox-");
        assertThat(repository.countByState(KeyState.ACTIVE)).isEqualTo(1);
        assertThat(first.publicKeys()).hasSize(1);
        assertThat(first.publicKeys().get(0).isPrivate()).isFalse();
    }

    @Test
    void aRotationPublishesFirstThenSignsAndKeepsTheOldKeyPublishedForADay() {
        DomainKeys keys = start("");
        String old = keys.signer().keyId();
        clock.now = clock.now.plusSeconds(60);
        DomainKeys.KeyInfo rotated = keys.rotate();
        assertThat(rotated.state()).isEqualTo("published");
        assertThat(rotated.publicJwk()).doesNotContainKey("d");
        assertThat(keys.publicKeys()).hasSize(2);
        assertThatThrownBy(keys::rotate).isInstanceOfSatisfying(ApiProblem.class,
                p -> assertThat(p.status().value()).isEqualTo(409));

        keys.promote(Duration.ofHours(1)); // published a minute ago: verifiers may not have it yet
        assertThat(keys.signer().keyId()).isEqualTo(old);

        clock.now = clock.now.plus(Duration.ofHours(1));
        keys.promote(Duration.ofHours(1));
        assertThat(keys.signer().keyId()).isEqualTo(rotated.kid());
        DomainKey retired = repository.findById(old).orElseThrow();
        assertThat(retired.state()).isEqualTo(KeyState.RETIRED);
        assertThat(retired.retiredUntil()).isEqualTo(clock.now.plus(Duration.ofHours(24)));
        assertThat(keys.publicKeys()).hasSize(2);

        clock.now = clock.now.plus(Duration.ofHours(24)).plusSeconds(1);
        assertThat(keys.publicKeys()).extracting(k -> k.getKeyID()).containsExactly(rotated.kid());
    }

    @Test
    void aRotationInTheSameSecondAsTheFirstKeyGetsAKidOfItsOwn() {
        DomainKeys keys = start("");
        String first = keys.signer().keyId();
        DomainKeys.KeyInfo rotated = keys.rotate(); // the clock has not moved
        assertThat(rotated.kid()).isNotEqualTo(first).startsWith(first);
        assertThat(repository.findById(first).orElseThrow().state()).isEqualTo(KeyState.ACTIVE);
        assertThat(repository.count()).isEqualTo(2);
    }

    @Test
    void anOperatorsKeyBecomesTheActiveOneAndTheGeneratedOneRetires() throws Exception {
        DomainKeys generated = start("");
        String before = generated.signer().keyId();
        String supplied = Ed25519Keys.generate("beta.test/operator-1").toJSONString();
        DomainKeys configured = start(supplied);
        assertThat(configured.signer().keyId()).isEqualTo("beta.test/operator-1");
        assertThat(repository.findById(before).orElseThrow().state()).isEqualTo(KeyState.RETIRED);
        assertThat(repository.countByState(KeyState.ACTIVE)).isEqualTo(1);
        // supplied again after a restart: still the one active key
        assertThat(start(supplied).signer().keyId()).isEqualTo("beta.test/operator-1");
        assertThat(repository.countByState(KeyState.ACTIVE)).isEqualTo(1);
    }
}
