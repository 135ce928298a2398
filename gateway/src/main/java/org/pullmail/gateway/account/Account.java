package org.pullmail.gateway.account;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.hibernate.annotations.DynamicUpdate;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * An account of this domain: its address, bcrypt password hash and roles, whether it is disabled, when its
 * mailbox and outbox were provisioned, and since when its earlier access tokens are refused.
 */
@Entity
@Table(name = "account")
@DynamicUpdate // each change writes only its own columns: a provisioning or a reset never undoes a concurrent disable
class Account {

    @Id
    private String address;
    private String passwordHash;
    /** Comma-separated: USER, ADMIN. */
    private String roles;
    private boolean disabled;
    private Instant createdAt;
    private Instant provisionedAt;
    private Instant tokensRevokedAt;

    /** For JPA. */
    protected Account() {
    }

    String address() {
        return address;
    }

    String passwordHash() {
        return passwordHash;
    }

    List<String> roles() {
        return Arrays.asList(roles.split(","));
    }

    boolean disabled() {
        return disabled;
    }

    Instant createdAt() {
        return createdAt;
    }

    Instant provisionedAt() {
        return provisionedAt;
    }

    boolean provisioned() {
        return provisionedAt != null;
    }

    Instant tokensRevokedAt() {
        return tokensRevokedAt;
    }

    /** Disabling also revokes the account's tokens: enabling it again does not bring them back. */
    void disable(Instant now) {
        disabled = true;
        tokensRevokedAt = now;
    }

    void enable() {
        disabled = false;
    }

    /** A new password revokes the tokens issued with the old one (a reset is how a stolen password is answered). */
    void changePassword(String hash, Instant now) {
        passwordHash = hash;
        tokensRevokedAt = now;
    }

    /** Both services have the account; the first time counts. */
    void provisioned(Instant now) {
        if (provisionedAt == null) {
            provisionedAt = now;
        }
    }
}
