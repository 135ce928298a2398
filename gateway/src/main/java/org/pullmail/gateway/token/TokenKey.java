package org.pullmail.gateway.token;

import java.time.Instant;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A key that signs access tokens, as a private JWK; the newest signs. */
@Entity
@Table(name = "token_key")
class TokenKey {

    @Id
    private String kid;
    private String jwk;
    private Instant createdAt;

    /** For JPA. */
    protected TokenKey() {
    }

    TokenKey(String kid, String jwk, Instant createdAt) {
        this.kid = kid;
        this.jwk = jwk;
        this.createdAt = createdAt;
    }

    String kid() {
        return kid;
    }

    String jwk() {
        return jwk;
    }

    Instant createdAt() {
        return createdAt;
    }
}
