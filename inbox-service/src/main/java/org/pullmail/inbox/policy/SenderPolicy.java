package org.pullmail.inbox.policy;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.protocol.Addresses;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What a mailbox does with a sender's notification. The first rule that applies decides:
 * <ol>
 * <li>the domain's block list (an admin's, by address or domain): refuse — an organisation's
 *     security decision is not for a user to override;</li>
 * <li>the user's own rule for the exact address: block refuses; contact or allow fetches at once;</li>
 * <li>the user's own rule for the sender's domain, the same way;</li>
 * <li>the domain's allow list: fetch at once;</li>
 * <li>reputation: a sender domain judged on enough notifications whose fetch ratio stays under the
 *     threshold is refused;</li>
 * <li>the default for strangers (the user's, else the domain's): hold as a request, fetch at once
 *     when the sender domain is reputable and the mail is not bulk, or refuse.</li>
 * </ol>
 */
@Component
public class SenderPolicy {

    public enum Action { BLOCK, FETCH, HOLD }

    public enum StrangerPolicy {
        HOLD, FETCH_VERIFIED, REFUSE;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static StrangerPolicy of(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    /** The action and the rule that chose it, shown to users and admins. */
    public record Decision(Action action, String reason) {
    }

    private final JdbcClient jdbc;
    private final InboxProperties inbox;
    private final SenderRuleRepository rules;

    SenderPolicy(JdbcClient jdbc, InboxProperties inbox, SenderRuleRepository rules) {
        this.jdbc = jdbc;
        this.inbox = inbox;
        this.rules = rules;
    }

    /**
     * Everything the rules look at for one mailbox and one sender. {@code mailboxExists} is false for
     * an address this domain does not have.
     */
    public record Facts(boolean mailboxExists, String domainRuleAddress, String domainRuleDomain,
            String ownRuleAddress, String ownRuleDomain, String ownDefault, String domainDefault, long received,
            long fetched) {
    }

    /** A mailbox and a sender whose facts are wanted. */
    public record Pair(String mailbox, String sender) {
    }

    public Decision decide(String mailbox, String sender, boolean bulk) {
        return decide(facts(List.of(new Pair(mailbox, sender))).get(new Pair(mailbox, sender)), bulk);
    }

    /**
     * The facts of many pairs in one statement: notification intake reads them for a whole batch of
     * notifications at once.
     */
    public Map<Pair, Facts> facts(Collection<Pair> pairs) {
        List<Pair> distinct = List.copyOf(new LinkedHashSet<>(pairs));
        String[] mailboxes = distinct.stream().map(Pair::mailbox).toArray(String[]::new);
        String[] senders = distinct.stream().map(Pair::sender).toArray(String[]::new);
        String[] domains = distinct.stream().map(p -> Addresses.domainOf(p.sender())).toArray(String[]::new);
        Map<Pair, Facts> facts = new HashMap<>();
        // JdbcClient, not the repositories: intake reads this for every notification, all rules in one round trip
        jdbc.sql("SELECT p.mailbox, p.sender,"
                + " EXISTS (SELECT 1 FROM mailbox WHERE address = p.mailbox),"
                + " (SELECT kind FROM domain_rule WHERE entry = p.sender),"
                + " (SELECT kind FROM domain_rule WHERE entry = p.domain),"
                + " (SELECT kind FROM sender_rule WHERE mailbox = p.mailbox AND entry = p.sender),"
                + " (SELECT kind FROM sender_rule WHERE mailbox = p.mailbox AND entry = p.domain),"
                + " (SELECT stranger_policy FROM mailbox WHERE address = p.mailbox),"
                + " (SELECT value FROM domain_setting WHERE name = 'stranger_policy'),"
                + " coalesce((SELECT received FROM sender_reputation WHERE sender = p.domain), 0),"
                + " coalesce((SELECT fetched FROM sender_reputation WHERE sender = p.domain), 0)"
                + " FROM unnest(?::text[], ?::text[], ?::text[]) AS p (mailbox, sender, domain)")
                .params(mailboxes, senders, domains)
                .query((rs, n) -> facts.put(new Pair(rs.getString(1), rs.getString(2)), new Facts(rs.getBoolean(3),
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                        rs.getString(9), rs.getLong(10), rs.getLong(11))))
                .list();
        return facts;
    }

    /** The rules above applied to one pair's facts; {@code bulk} says whether the mail is a mailing. */
    public Decision decide(Facts f, boolean bulk) {
        String domainRule = f.domainRuleAddress() != null ? f.domainRuleAddress() : f.domainRuleDomain();
        if ("block".equals(domainRule)) {
            return new Decision(Action.BLOCK, "blocked by this domain");
        }
        for (String own : new String[] {f.ownRuleAddress(), f.ownRuleDomain()}) {
            if (own != null) {
                return switch (own) {
                    case "block" -> new Decision(Action.BLOCK, "blocked by the recipient");
                    case "contact" -> new Decision(Action.FETCH, "a contact");
                    default -> new Decision(Action.FETCH, "on the recipient's allow list");
                };
            }
        }
        if (domainRule != null) {
            return new Decision(Action.FETCH, "on this domain's allow list");
        }
        Double fetchRatio = f.received() == 0 ? null : Math.min(1.0, (double) f.fetched() / f.received());
        boolean judged = f.received() >= inbox.reputation().minNotifications() && fetchRatio != null;
        if (judged && fetchRatio < inbox.reputation().refuseBelow()) {
            return new Decision(Action.BLOCK, "the sender domain's mail is hardly ever wanted here");
        }
        String setting = f.ownDefault() != null ? f.ownDefault() : f.domainDefault() != null ? f.domainDefault() : "hold";
        return switch (StrangerPolicy.of(setting)) {
            case REFUSE -> new Decision(Action.BLOCK, "the recipient takes no mail from strangers");
            case FETCH_VERIFIED -> judged && fetchRatio >= inbox.reputation().goodAbove() && !bulk
                    ? new Decision(Action.FETCH, "a stranger from a reputable domain")
                    : new Decision(Action.HOLD, bulk ? "bulk mail from a stranger" : "a stranger");
            case HOLD -> new Decision(Action.HOLD, "a stranger");
        };
    }

    /**
     * Blocks a sender for one mailbox, by address or by its whole domain ({@code scope} is
     * {@code address} or {@code domain}); returns the entry blocked.
     */
    public String block(String mailbox, String sender, String scope) {
        String entry = "domain".equals(scope) ? Addresses.domainOf(sender) : sender;
        rules.put(mailbox, entry, RuleKind.BLOCK);
        return entry;
    }
}
