package org.pullmail.inbox.policy;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One of the domain's inbound settings, by name ({@value #STRANGER_POLICY}, {@value #COLLEAGUES_FETCHED_AT_ONCE}). */
@Entity
@Table(name = "domain_setting")
class DomainSetting {

    /** The domain's default for strangers' mail, where a mailbox has none of its own. */
    static final String STRANGER_POLICY = "stranger_policy";

    /** {@code true} (the default, when unset) or {@code false}: mail between this domain's mailboxes is fetched at once. */
    static final String COLLEAGUES_FETCHED_AT_ONCE = "colleagues_fetched_at_once";

    @Id
    private String name;

    private String value;

    protected DomainSetting() {
    }

    String name() {
        return name;
    }

    String value() {
        return value;
    }
}
