package org.pullmail.inbox.mailbox;

import java.time.Instant;

import org.pullmail.inbox.policy.SenderPolicy.StrangerPolicy;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Converter;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A local user's mailbox, by its address, with the user's settings. */
@Entity
@Table(name = "mailbox")
class Mailbox {

    @Id
    private String address;

    @Column(name = "created_at", insertable = false, updatable = false)
    private Instant createdAt;

    /** The user's default for strangers' mail; null follows the domain's. */
    @Column(name = "stranger_policy")
    @Convert(converter = StrangerPolicyColumn.class)
    private StrangerPolicy strangerPolicy;

    protected Mailbox() {
    }

    String address() {
        return address;
    }

    Instant createdAt() {
        return createdAt;
    }

    StrangerPolicy strangerPolicy() {
        return strangerPolicy;
    }

    void strangerPolicy(StrangerPolicy policy) {
        this.strangerPolicy = policy;
    }

    /** Stores the policy by its wire name, the column's CHECK constraint's spelling. */
    @Converter
    static class StrangerPolicyColumn implements AttributeConverter<StrangerPolicy, String> {

        @Override
        public String convertToDatabaseColumn(StrangerPolicy policy) {
            return policy == null ? null : policy.wire();
        }

        @Override
        public StrangerPolicy convertToEntityAttribute(String wire) {
            return wire == null ? null : StrangerPolicy.of(wire);
        }
    }
}
