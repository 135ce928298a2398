package org.pullmail.gateway.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;

import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

/** The token signing key is generated once per domain and shared by every gateway replica through the database. */
@DataJpaTest
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
class TokenKeysTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "gateway_jpa_test");
    }

    @Autowired
    TokenKeyRepository keys;

    @Autowired
    TransactionTemplate tx;

    @Autowired
    JdbcClient jdbc;

    @Test
    void aSecondReplicaSignsWithTheKeyTheFirstGenerated() throws Exception {
        TokenKeys first = new TokenKeys(keys, tx, Clock.systemUTC());
        TokenKeys second = new TokenKeys(keys, tx, Clock.systemUTC());

        assertThat(second.signingKey().getKeyID()).isEqualTo(first.signingKey().getKeyID());
        assertThat(second.signingKey().toRSAPublicKey()).isEqualTo(first.signingKey().toRSAPublicKey());
        assertThat(jdbc.sql("SELECT count(*) FROM token_key").query(Integer.class).single()).isEqualTo(1);
        assertThat(first.publicKeys().getKeys()).singleElement()
                .satisfies(key -> assertThat(key.isPrivate()).isFalse());
    }
}
