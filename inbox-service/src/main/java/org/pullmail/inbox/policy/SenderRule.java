package org.pullmail.inbox.policy;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

/**
 * One of a mailbox's own rules for a sender, by address ({@code ann@example.org}) or by domain
 * ({@code example.org}). An entry is on one list at a time, so the mailbox and the entry identify it.
 */
@Entity
@Table(name = "sender_rule")
@IdClass(SenderRule.Key.class)
class SenderRule {

    @Id
    private String mailbox;

    @Id
    private String entry;

    @Convert(converter = RuleKind.Column.class)
    private RuleKind kind;

    @Column(name = "created_at", insertable = false, updatable = false)
    private Instant createdAt;

    protected SenderRule() {
    }

    String mailbox() {
        return mailbox;
    }

    String entry() {
        return entry;
    }

    RuleKind kind() {
        return kind;
    }

    Instant createdAt() {
        return createdAt;
    }

    /** A rule's identity: the mailbox and the entry. */
    static class Key implements Serializable {

        private String mailbox;
        private String entry;

        protected Key() {
        }

        Key(String mailbox, String entry) {
            this.mailbox = mailbox;
            this.entry = entry;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && Objects.equals(mailbox, key.mailbox) && Objects.equals(entry, key.entry);
        }

        @Override
        public int hashCode() {
            return Objects.hash(mailbox, entry);
        }
    }
}
