package org.pullmail.inbox.policy;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * One of the domain's rules for a sender, set by an admin: {@code allow} or {@code block}, by address
 * or by domain. An entry has one rule for the whole domain.
 */
@Entity
@Table(name = "domain_rule")
class DomainRule {

    @Id
    private String entry;

    @Convert(converter = RuleKind.Column.class)
    private RuleKind kind;

    /** The admin who set it. */
    @Column(name = "created_by")
    private String createdBy;

    @Column(name = "created_at", insertable = false, updatable = false)
    private Instant createdAt;

    protected DomainRule() {
    }

    String entry() {
        return entry;
    }

    RuleKind kind() {
        return kind;
    }

    String createdBy() {
        return createdBy;
    }

    Instant createdAt() {
        return createdAt;
    }
}
