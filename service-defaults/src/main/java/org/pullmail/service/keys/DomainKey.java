package org.pullmail.service.keys;

import java.time.Instant;

import org.springframework.data.domain.Persistable;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.PostLoad;
import jakarta.persistence.PostPersist;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;

/** One Ed25519 key this service signs PMP/1 requests with, its private JWK and where it stands in a rotation. */
@Entity
@Table(name = "domain_key")
public class DomainKey implements Persistable<String> {

    @Id
    private String kid;

    @Column(nullable = false)
    private String jwk;

    @Column(nullable = false)
    private KeyState state;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "retired_until")
    private Instant retiredUntil;

    /** A key made here is inserted, never merged over a stored one with the same kid (that fails loudly). */
    @Transient
    private boolean unsaved;

    protected DomainKey() {
    }

    public DomainKey(String kid, String jwk, KeyState state, Instant createdAt) {
        this.kid = kid;
        this.jwk = jwk;
        this.state = state;
        this.createdAt = createdAt;
        this.unsaved = true;
    }

    @Override
    public String getId() {
        return kid;
    }

    @Override
    public boolean isNew() {
        return unsaved;
    }

    @PostLoad
    @PostPersist
    void stored() {
        unsaved = false;
    }

    public String kid() {
        return kid;
    }

    public String jwk() {
        return jwk;
    }

    public KeyState state() {
        return state;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Instant retiredUntil() {
        return retiredUntil;
    }

    /** Signs from now on; a key supplied again by the operator is active however it stood. */
    public void activate() {
        state = KeyState.ACTIVE;
        retiredUntil = null;
    }

    /** Signs no more; stays published until {@code until}, when no verifier can still hold it cached. */
    public void retire(Instant until) {
        state = KeyState.RETIRED;
        retiredUntil = until;
    }
}
