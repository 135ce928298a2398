package org.pullmail.gateway.token;

import java.text.ParseException;
import java.time.Clock;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;

import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The RSA key that signs access tokens (RS256, which every JWT library verifies). Generated on the
 * domain's first start and shared by gateway replicas through the database.
 */
@Component
public class TokenKeys {

    private final TokenKeyRepository keys;
    private final TransactionTemplate tx;
    private final Clock clock;
    private volatile RSAKey key;

    /** The key is read (or generated) when first needed: start-up does not wait for JPA, which starts beside it. */
    TokenKeys(TokenKeyRepository keys, TransactionTemplate tx, Clock clock) {
        this.keys = keys;
        this.tx = tx;
        this.clock = clock;
    }

    public RSAKey signingKey() {
        RSAKey current = key;
        if (current == null) {
            synchronized (this) {
                if (key == null) {
                    key = load();
                }
                current = key;
            }
        }
        return current;
    }

    private RSAKey load() {
        return tx.execute(status -> {
            keys.lockKeyGeneration();
            return keys.findFirstByOrderByCreatedAtDesc().map(stored -> parse(stored.jwk()))
                    .orElseGet(() -> {
                        RSAKey generated = generate();
                        keys.save(new TokenKey(generated.getKeyID(), generated.toJSONString(), clock.instant()));
                        return generated;
                    });
        });
    }

    public JWKSet publicKeys() {
        return new JWKSet(signingKey().toPublicJWK());
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
