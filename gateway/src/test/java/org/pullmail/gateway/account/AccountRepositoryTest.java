package org.pullmail.gateway.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase;
import org.springframework.boot.jpa.test.autoconfigure.TestEntityManager;
import org.springframework.data.domain.Limit;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Accounts in PostgreSQL, as Flyway's schema holds them (Hibernate validates the mapping against it). */
@DataJpaTest
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
class AccountRepositoryTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "gateway_jpa_test");
    }

    @Autowired
    AccountRepository accounts;

    @Autowired
    TestEntityManager entities;

    @Autowired
    JdbcClient jdbc;

    @Test
    void creatingAnAccountTwiceKeepsTheFirst() {
        assertThat(accounts.insertIfAbsent("amy@alpha.test", "first-hash", "USER,ADMIN")).isEqualTo(1);
        assertThat(accounts.insertIfAbsent("amy@alpha.test", "second-hash", "USER")).isZero();
        entities.clear();

        Account amy = accounts.findById("amy@alpha.test").orElseThrow();
        assertThat(amy.passwordHash()).isEqualTo("first-hash");
        assertThat(amy.roles()).containsExactly("USER", "ADMIN");
        assertThat(amy.disabled()).isFalse();
        assertThat(amy.provisioned()).isFalse();
        assertThat(amy.createdAt()).isNotNull();
    }

    @Test
    void disablingAndANewPasswordRecordWhenTheTokensWereRevoked() {
        accounts.insertIfAbsent("bea@alpha.test", "old-hash", "USER");
        Instant disabledAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        accounts.findById("bea@alpha.test").orElseThrow().disable(disabledAt);
        entities.flush();
        assertThat(jdbc.sql("SELECT disabled FROM account WHERE address = 'bea@alpha.test'").query(Boolean.class)
                .single()).isTrue();
        assertThat(revokedAt("bea@alpha.test")).isEqualTo(disabledAt);

        accounts.findById("bea@alpha.test").orElseThrow().enable();
        entities.flush();
        assertThat(revokedAt("bea@alpha.test")).as("enabling does not bring the tokens back").isEqualTo(disabledAt);

        Instant resetAt = disabledAt.plusSeconds(60);
        accounts.findById("bea@alpha.test").orElseThrow().changePassword("new-hash", resetAt);
        entities.flush();
        entities.clear();
        Account bea = accounts.findById("bea@alpha.test").orElseThrow();
        assertThat(bea.passwordHash()).isEqualTo("new-hash");
        assertThat(bea.disabled()).isFalse();
        assertThat(bea.tokensRevokedAt()).isEqualTo(resetAt);
    }

    @Test
    void aPageOfTheListStartsAfterItsCursorAndTheSearchIgnoresCase() {
        for (String address : List.of("kim@alpha.test", "ken@alpha.test", "kai@alpha.test", "lou@alpha.test")) {
            accounts.insertIfAbsent(address, "hash", "USER");
        }
        assertThat(addresses(accounts.findByAddressContainingIgnoreCaseAndAddressGreaterThanOrderByAddress("K", "",
                Limit.of(2)))).containsExactly("kai@alpha.test", "ken@alpha.test");
        assertThat(addresses(accounts.findByAddressContainingIgnoreCaseAndAddressGreaterThanOrderByAddress("k",
                "ken@alpha.test", Limit.of(2)))).containsExactly("kim@alpha.test");
        // a search for a LIKE wildcard finds only addresses holding it
        assertThat(accounts.findByAddressContainingIgnoreCaseAndAddressGreaterThanOrderByAddress("%", "",
                Limit.of(10))).isEmpty();
    }

    @Test
    void accountsWaitingForProvisioningComeOldestFirstAndLeaveTheListOnceProvisioned() {
        accounts.insertIfAbsent("old@alpha.test", "hash", "USER");
        jdbc.sql("UPDATE account SET created_at = now() - interval '1 hour' WHERE address = 'old@alpha.test'").update();
        accounts.insertIfAbsent("new@alpha.test", "hash", "USER");
        entities.clear();
        assertThat(addresses(accounts.findByProvisionedAtIsNullOrderByCreatedAt(Limit.of(10))))
                .containsExactly("old@alpha.test", "new@alpha.test");
        assertThat(accounts.countByProvisionedAtIsNull()).isEqualTo(2);

        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        accounts.findById("old@alpha.test").orElseThrow().provisioned(now);
        accounts.findById("old@alpha.test").orElseThrow().provisioned(now.plusSeconds(5));
        entities.flush();
        entities.clear();
        assertThat(accounts.findById("old@alpha.test").orElseThrow().provisionedAt()).as("the first time counts")
                .isEqualTo(now);
        assertThat(addresses(accounts.findByProvisionedAtIsNullOrderByCreatedAt(Limit.of(10))))
                .containsExactly("new@alpha.test");
        assertThat(accounts.countByProvisionedAtIsNull()).isEqualTo(1);
    }

    private Instant revokedAt(String address) {
        return jdbc.sql("SELECT tokens_revoked_at FROM account WHERE address = ?").param(address)
                .query(Instant.class).single();
    }

    private static List<String> addresses(List<Account> accounts) {
        return accounts.stream().map(Account::address).toList();
    }
}
