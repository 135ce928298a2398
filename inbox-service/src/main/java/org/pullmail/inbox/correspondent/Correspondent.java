package org.pullmail.inbox.correspondent;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

/**
 * Someone a mailbox wrote to, learned from the mail it sent: fetched at once until {@code expiresAt}, which
 * each further message to them moves on. Written by {@link SentMail}; users list and remove them.
 */
@Entity
@Table(name = "correspondent")
@IdClass(Correspondent.Key.class)
class Correspondent {

    @Id
    private String mailbox;

    @Id
    private String address;

    /** When the user first wrote to them (since the entry last expired). */
    @Column(name = "learned_at")
    private Instant learnedAt;

    @Column(name = "expires_at")
    private Instant expiresAt;

    protected Correspondent() {
    }

    String mailbox() {
        return mailbox;
    }

    String address() {
        return address;
    }

    Instant learnedAt() {
        return learnedAt;
    }

    Instant expiresAt() {
        return expiresAt;
    }

    /** A correspondent's identity: the mailbox and the address. */
    static class Key implements Serializable {

        private String mailbox;
        private String address;

        protected Key() {
        }

        Key(String mailbox, String address) {
            this.mailbox = mailbox;
            this.address = address;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && Objects.equals(mailbox, key.mailbox)
                    && Objects.equals(address, key.address);
        }

        @Override
        public int hashCode() {
            return Objects.hash(mailbox, address);
        }
    }
}
