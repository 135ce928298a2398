package org.pullmail.inbox.policy;

import java.util.Locale;

import org.pullmail.inbox.mailbox.Mailboxes;
import org.pullmail.inbox.policy.SenderPolicy.StrangerPolicy;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PageCursor;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * A user's own policy: contacts and the allow list (fetched at once), the block list (refused), each
 * by address or by domain, and the user's default for strangers. An entry is on one list at a time:
 * putting it on another moves it. {@link SenderPolicy} applies them.
 */
@Service
class PolicyRules {

    private final SenderRuleRepository rules;
    private final Mailboxes mailboxes;
    private final DomainPolicy domain;

    PolicyRules(SenderRuleRepository rules, Mailboxes mailboxes, DomainPolicy domain) {
        this.rules = rules;
        this.mailboxes = mailboxes;
        this.domain = domain;
    }

    /** One page of a list's entries in entry order, after {@code cursor} (null from the start). */
    @Transactional(readOnly = true)
    PageCursor.Page<String> entries(String mailbox, RuleKind kind, int limit, PageCursor cursor) {
        if (cursor != null && cursor.at() != null) {
            throw ApiProblem.invalid("cursor is not one this list gave: send back the \"next\" of the previous page");
        }
        return PageCursor.page(rules.entries(mailbox, kind, cursor == null ? "" : cursor.id(),
                Limit.of(PageCursor.fetch(limit))), limit, entry -> new PageCursor(null, entry), entry -> entry);
    }

    @Transactional
    void put(String mailbox, RuleKind kind, String entry) {
        rules.put(mailbox, entry(entry), kind);
    }

    /** Takes the entry off the list; 404 when it was not on it. */
    @Transactional
    void remove(String mailbox, RuleKind kind, String entry) {
        if (rules.remove(mailbox, entry(entry), kind) == 0) {
            throw ApiProblem.notFound(entry + " on the " + listOf(kind));
        }
    }

    /** A user's default for strangers: their own (null when they follow the domain's), and the one that applies. */
    record StrangerPolicies(StrangerPolicy own, StrangerPolicy effective) {
    }

    StrangerPolicies strangerPolicies(String mailbox) {
        StrangerPolicy own = mailboxes.strangerPolicy(mailbox).orElse(null);
        return new StrangerPolicies(own, own != null ? own : domain.strangerPolicy());
    }

    /** Sets the user's own default for strangers; null follows the domain's. */
    void strangerPolicy(String mailbox, StrangerPolicy policy) {
        mailboxes.strangerPolicy(mailbox, policy);
    }

    /** A stranger policy as clients spell it; anything else is a 400. */
    static StrangerPolicy strangerPolicy(String value) {
        try {
            if (value != null) {
                return StrangerPolicy.of(value);
            }
        } catch (IllegalArgumentException e) {
            // said below
        }
        throw ApiProblem.invalid("stranger_policy is hold, fetch_verified or refuse");
    }

    /** An entry as rules hold it: an address (normalized) or a domain (lowercase); anything else is a 400. */
    static String entry(String value) {
        if (value.contains("@")) {
            try {
                return Addresses.normalize(value);
            } catch (ProtocolException e) {
                throw ApiProblem.invalid(e.detail());
            }
        }
        String domain = value.trim().toLowerCase(Locale.ROOT);
        if (!Addresses.isValidDomain(domain)) {
            throw ApiProblem.invalid("an entry is an address (name@domain) or a domain (domain.example): " + value);
        }
        return domain;
    }

    private static String listOf(RuleKind kind) {
        return switch (kind) {
            case CONTACT -> "contacts";
            case ALLOW -> "allowlist";
            case BLOCK -> "blocklist";
        };
    }
}
