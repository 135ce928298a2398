package org.pullmail.inbox.policy;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One of the domain's inbound settings, by name (today {@value #STRANGER_POLICY}). */
@Entity
@Table(name = "domain_setting")
class DomainSetting {

    /** The domain's default for strangers' mail, where a mailbox has none of its own. */
    static final String STRANGER_POLICY = "stranger_policy";

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
