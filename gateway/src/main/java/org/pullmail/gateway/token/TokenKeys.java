package org.pullmail.gateway.token;

import java.sql.Timestamp;
import java.text.ParseException;
import java.time.Clock;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The RSA key that signs access tokens (RS256, which every JWT library verifies). Generated on the
 * domain's first start and shared by gateway replicas through the database.
 */
@Component
public class TokenKeys {

    private final RSAKey key;

    TokenKeys(JdbcClient jdbc, TransactionTemplate tx, Clock clock) {
        this.key = tx.execute(status -> {
            jdbc.sql("SELECT pg_advisory_xact_lock(4243)").query().singleValue();
            return jdbc.sql("SELECT jwk FROM token_key ORDER BY created_at DESC LIMIT 1").query(String.class).optional()
                    .map(TokenKeys::parse)
                    .orElseGet(() -> {
                        RSAKey generated = generate();
                        jdbc.sql("INSERT INTO token_key (kid, jwk, created_at) VALUES (?, ?, ?)")
                                .params(generated.getKeyID(), generated.toJSONString(), Timestamp.from(clock.instant()))
                                .update();
                        return generated;
                    });
        });
    }

    public RSAKey signingKey() {
        return key;
    }

    public JWKSet publicKeys() {
        return new JWKSet(key.toPublicJWK());
    }

    private static RSAKey generate() {
        try {
            return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).keyUse(KeyUse.SIGNATURE).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate the token key", e);
        }
    }

    private static RSAKey parse(String jwk) {
        try {
            return RSAKey.parse(jwk);
        } catch (ParseException e) {
            throw new IllegalStateException("the stored token key is not an RSA JWK", e);
        }
    }
}
