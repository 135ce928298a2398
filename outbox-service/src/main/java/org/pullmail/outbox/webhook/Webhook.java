package org.pullmail.outbox.webhook;

import java.time.Instant;

import org.springframework.data.domain.Persistable;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.PostLoad;
import jakarta.persistence.PostPersist;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;

/**
 * Where an account's delivery events go, and the secret that signs them. One per account: registering
 * another replaces it.
 */
@Entity
@Table(name = "webhook")
class Webhook implements Persistable<String> {

    /** The account's address. */
    @Id
    private String sender;

    private String url;
    private String secret;
    private Instant createdAt;

    /** The id is the account's: only this says whether saving inserts (no select first) or updates. */
    @Transient
    private boolean fresh;

    protected Webhook() {
    }

    Webhook(String sender, String url, String secret, Instant createdAt) {
        this.sender = sender;
        this.url = url;
        this.secret = secret;
        this.createdAt = createdAt;
        this.fresh = true;
    }

    /** Points the webhook elsewhere, with a new secret: the old one no longer signs anything. */
    void replace(String url, String secret, Instant at) {
        this.url = url;
        this.secret = secret;
        this.createdAt = at;
    }

    String url() {
        return url;
    }

    String secret() {
        return secret;
    }

    Instant createdAt() {
        return createdAt;
    }

    @Override
    public String getId() {
        return sender;
    }

    @Override
    public boolean isNew() {
        return fresh;
    }

    @PostLoad
    @PostPersist
    void stored() {
        fresh = false;
    }
}
