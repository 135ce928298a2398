package org.pullmail.inbox.tag;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

/**
 * A tag of a mailbox: mail to {@code local+tag@domain} belongs to {@code local@domain} and is fetched at once,
 * until the user blocks the tag (it leaked to spammers), after which it is refused.
 */
@Entity
@Table(name = "mailbox_tag")
@IdClass(MailboxTag.Key.class)
class MailboxTag {

    @Id
    private String mailbox;

    @Id
    private String tag;

    private boolean blocked;

    @Column(name = "created_at")
    private Instant createdAt;

    protected MailboxTag() {
    }

    String mailbox() {
        return mailbox;
    }

    String tag() {
        return tag;
    }

    boolean blocked() {
        return blocked;
    }

    void blocked(boolean blocked) {
        this.blocked = blocked;
    }

    Instant createdAt() {
        return createdAt;
    }

    /** A tag's identity: the mailbox and the tag. */
    static class Key implements Serializable {

        private String mailbox;
        private String tag;

        protected Key() {
        }

        Key(String mailbox, String tag) {
            this.mailbox = mailbox;
            this.tag = tag;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && Objects.equals(mailbox, key.mailbox) && Objects.equals(tag, key.tag);
        }

        @Override
        public int hashCode() {
            return Objects.hash(mailbox, tag);
        }
    }
}
