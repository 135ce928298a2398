package org.pullmail.outbox.sender;

import java.time.Instant;

import org.hibernate.annotations.DynamicUpdate;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * An account that sends from this domain: its own limits and settings, each null where the domain's default
 * applies. Rows are created by provisioning only ({@link SenderRepository#provision}).
 *
 * <p>Only changed columns are written ({@link DynamicUpdate}): an admin's limits and the user's settings may
 * change at the same time without one undoing the other, and {@code stored_bytes} belongs to the database's
 * trigger on {@code message}.
 */
@Entity
@Table(name = "sender")
@DynamicUpdate
class Sender {

    @Id
    private String address;

    @Column(insertable = false, updatable = false)
    private Instant createdAt;

    private Integer maxMessagesPerHour;
    private Integer maxMessagesPerDay;
    private Integer maxRecipients;
    private Long quotaBytes;
    private Boolean keepSentCopies;

    /** Bytes of the messages the account still stores, kept by a trigger on {@code message}. */
    @Column(insertable = false, updatable = false)
    private long storedBytes;

    protected Sender() {
    }

    String address() {
        return address;
    }

    Instant createdAt() {
        return createdAt;
    }

    Integer maxMessagesPerHour() {
        return maxMessagesPerHour;
    }

    Integer maxMessagesPerDay() {
        return maxMessagesPerDay;
    }

    Integer maxRecipients() {
        return maxRecipients;
    }

    Long quotaBytes() {
        return quotaBytes;
    }

    Boolean keepSentCopies() {
        return keepSentCopies;
    }

    long storedBytes() {
        return storedBytes;
    }

    /** The account's own limits; a null one returns that limit to the domain's default. */
    void limit(Integer messagesPerHour, Integer messagesPerDay, Integer recipients, Long quotaBytes) {
        this.maxMessagesPerHour = messagesPerHour;
        this.maxMessagesPerDay = messagesPerDay;
        this.maxRecipients = recipients;
        this.quotaBytes = quotaBytes;
    }

    /** Whether the account keeps its sent messages' bytes; null returns it to the domain's default. */
    void keepSentCopies(Boolean keep) {
        this.keepSentCopies = keep;
    }
}
