package org.pullmail.inbox.policy;

import java.util.List;

import org.pullmail.inbox.policy.SenderPolicy.StrangerPolicy;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PageCursor;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The domain's inbound policy, set by admins: the allow and block lists (by address or domain; the allowed
 * domains are the organisation's partners, trusted for every mailbox), the default for strangers of users who
 * chose none, and whether colleagues' mail is fetched at once. {@link SenderPolicy} applies them.
 */
@Service
class DomainPolicy {

    private final DomainRuleRepository rules;
    private final DomainSettingRepository settings;

    DomainPolicy(DomainRuleRepository rules, DomainSettingRepository settings) {
        this.rules = rules;
        this.settings = settings;
    }

    /** A domain rule as admins see it. */
    record Rule(String entry, String kind, String createdBy) {
    }

    /**
     * One page of the rules, allow before block and each by entry, after {@code cursor} (null from the start).
     * The cursor names the kind and the entry of the last rule shown.
     */
    @Transactional(readOnly = true)
    PageCursor.Page<Rule> rules(int limit, PageCursor cursor) {
        Limit fetch = Limit.of(PageCursor.fetch(limit));
        return PageCursor.page(cursor == null ? rules.inOrder(fetch) : after(cursor, fetch), limit,
                r -> new PageCursor(null, r.kind().wire() + " " + r.entry()),
                r -> new Rule(r.entry(), r.kind().wire(), r.createdBy()));
    }

    private List<DomainRule> after(PageCursor cursor, Limit fetch) {
        int space = cursor.id().indexOf(' ');
        RuleKind kind = space < 0 ? null : RuleKind.ofWire(cursor.id().substring(0, space)).orElse(null);
        if (kind == null || kind == RuleKind.CONTACT || cursor.at() != null) {
            throw ApiProblem.invalid("cursor is not one this list gave: send back the \"next\" of the previous page");
        }
        return rules.after(kind, cursor.id().substring(space + 1), fetch);
    }

    /** Puts the entry on the domain's allow or block list; {@code admin} is who did. */
    @Transactional
    void put(RuleKind kind, String entry, String admin) {
        rules.put(PolicyRules.entry(entry), kind, admin);
    }

    /** Takes the entry off the list; 404 when it was not on it. */
    @Transactional
    void remove(RuleKind kind, String entry) {
        if (rules.remove(PolicyRules.entry(entry), kind) == 0) {
            throw ApiProblem.notFound(entry + " on the domain's "
                    + (kind == RuleKind.ALLOW ? "allowlist" : "blocklist"));
        }
    }

    /** The domain's default for strangers: {@code hold} until an admin sets another. */
    @Transactional(readOnly = true)
    StrangerPolicy strangerPolicy() {
        return settings.findById(DomainSetting.STRANGER_POLICY).map(s -> StrangerPolicy.of(s.value()))
                .orElse(StrangerPolicy.HOLD);
    }

    @Transactional
    void strangerPolicy(StrangerPolicy policy) {
        settings.put(DomainSetting.STRANGER_POLICY, policy.wire());
    }

    /** Whether mail between this domain's mailboxes is fetched at once: yes until an admin says otherwise. */
    @Transactional(readOnly = true)
    boolean colleaguesFetchedAtOnce() {
        return settings.findById(DomainSetting.COLLEAGUES_FETCHED_AT_ONCE).map(s -> Boolean.parseBoolean(s.value()))
                .orElse(true);
    }

    @Transactional
    void colleaguesFetchedAtOnce(boolean atOnce) {
        settings.put(DomainSetting.COLLEAGUES_FETCHED_AT_ONCE, Boolean.toString(atOnce));
    }
}
