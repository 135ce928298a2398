package org.pullmail.inbox.policy;

import java.sql.Array;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.inbox.tag.TaggedAddress;
import org.pullmail.protocol.Addresses;
import org.pullmail.service.PullmailProperties;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What a mailbox does with a sender's notification. The first rule that applies decides:
 * <ol>
 * <li>the domain's block list (an admin's, by address or domain): refuse — an organisation's
 *     security decision is not for a user to override;</li>
 * <li>a tag the user blocked, when the mail is addressed to {@code local+tag@domain}: refuse;</li>
 * <li>the user's own rule for the exact address: block refuses; contact or allow fetches at once;</li>
 * <li>the user's own rule for the sender's domain, the same way ({@code trusted-domain} when the user
 *     allows the whole domain);</li>
 * <li>the domain's allow list (its partners): fetch at once;</li>
 * <li>mail the user surely wants, each fetched at once and recorded as the policy that let it in:
 *     {@code colleague} (the sender is a mailbox of this domain, unless the domain turned that off),
 *     {@code correspondent} (the user wrote to the sender, and that has not expired), {@code reply} (a
 *     reply hint of PROTOCOL.md 3.5 matches a message this mailbox sent within the window, and no mail
 *     carrying a hint for that message was reported as spam), {@code tag} (addressed to a tag the user
 *     created) — all after every block above, so none of them ever lets a blocked sender in;</li>
 * <li>reputation: a sender domain judged on enough notifications whose fetch ratio stays under the
 *     threshold is refused;</li>
 * <li>the default for strangers (the user's, else the domain's): hold as a request, fetch at once
 *     when the sender domain is reputable and the mail is not bulk, or refuse.</li>
 * </ol>
 * Mail bridged from SMTP whose sender DMARC did not prove (PROTOCOL.md 3.6) is never let in for who it claims
 * to be: the rules that would (the user's contact and allow entries, partners, colleagues, learned
 * correspondents, a reputable domain, a reply hint) hold it instead, as {@link #UNPROVEN}; blocks and tags apply.
 * Mail to {@code local+tag@domain} belongs to the mailbox {@code local@domain} (unless a mailbox has that
 * exact address); a tag the user never created is judged as the mailbox's own address.
 */
@Component
public class SenderPolicy {

    /** The policies that fetch wanted mail at once without a rule the user typed, as notices record them. */
    public static final String COLLEAGUE = "colleague";
    public static final String CORRESPONDENT = "correspondent";
    public static final String REPLY = "reply";
    /** Mail over SMTP from someone the recipient would let in, had SMTP proven it was them (PROTOCOL.md 3.6). */
    public static final String UNPROVEN = "a sender SMTP did not prove";
    public static final String TAG = "tag";
    public static final String TRUSTED_DOMAIN = "trusted-domain";

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
    private final PullmailProperties pullmail;
    private final Clock clock;

    SenderPolicy(JdbcClient jdbc, InboxProperties inbox, SenderRuleRepository rules, PullmailProperties pullmail,
            Clock clock) {
        this.jdbc = jdbc;
        this.inbox = inbox;
        this.rules = rules;
        this.pullmail = pullmail;
        this.clock = clock;
    }

    /**
     * Everything the rules look at for one recipient address and one sender. {@code mailbox} is the mailbox
     * the address belongs to (its own, or the one of {@code local@domain} for {@code local+tag@domain}), null
     * for an address this domain does not have; {@code tag} the tag the address named, if it went to a tag;
     * {@code tagBlocked} null when that tag was never created. {@code replyKeys} are the reply keys of
     * the mailbox's sent messages the hints matched (empty when none), and {@code replyOpens} whether one of them
     * still fetches at once.
     */
    public record Facts(String mailbox, String tag, String domainRuleAddress, String domainRuleDomain,
            String ownRuleAddress, String ownRuleDomain, String ownDefault, String domainDefault, long received,
            long fetched, boolean colleague, boolean correspondent, List<String> replyKeys, boolean replyOpens,
            Boolean tagBlocked) {

        public boolean mailboxExists() {
            return mailbox != null;
        }
    }

    /** A recipient address, a sender and the reply hints the notification carried for that recipient. */
    public record Pair(String address, String sender, List<String> hints) {

        public Pair(String address, String sender) {
            this(address, sender, List.of());
        }
    }

    public Decision decide(String mailbox, String sender, boolean bulk) {
        Pair pair = new Pair(mailbox, sender);
        return decide(facts(List.of(pair), clock.instant()).get(pair), bulk);
    }

    /**
     * The facts of many pairs in one statement: notification intake reads them for a whole batch of
     * notifications at once. {@code now} is when they are judged (learned entries expire).
     */
    public Map<Pair, Facts> facts(Collection<Pair> pairs, Instant now) {
        List<Pair> distinct = List.copyOf(new LinkedHashSet<>(pairs));
        int size = distinct.size();
        String[] addresses = new String[size];
        String[] bases = new String[size];
        String[] tags = new String[size];
        String[] senders = new String[size];
        String[] domains = new String[size];
        String[] hints = new String[size];
        for (int i = 0; i < size; i++) {
            Pair p = distinct.get(i);
            addresses[i] = p.address();
            TaggedAddress tagged = TaggedAddress.of(p.address());
            bases[i] = tagged.base();
            tags[i] = tagged.tag();
            senders[i] = p.sender();
            domains[i] = Addresses.domainOf(p.sender());
            hints[i] = hintsOf(p);
        }
        Map<String, Pair> byKey = new HashMap<>();
        distinct.forEach(p -> byKey.put(key(p.address(), p.sender(), hintsOf(p)), p));
        Map<Pair, Facts> facts = new HashMap<>();
        // JdbcClient, not the repositories: intake reads this for every notification, all rules in one round trip;
        // what a notification without hints, to a mailbox without tags or learned entries, adds is index lookups
        jdbc.sql("SELECT p.address, p.sender, p.hints, m.address,"
                + " CASE WHEN m.address <> p.address THEN p.tag END,"
                + " (SELECT kind FROM domain_rule WHERE entry = p.sender),"
                + " (SELECT kind FROM domain_rule WHERE entry = p.domain),"
                + " (SELECT kind FROM sender_rule WHERE mailbox = m.address AND entry = p.sender),"
                + " (SELECT kind FROM sender_rule WHERE mailbox = m.address AND entry = p.domain),"
                + " m.stranger_policy,"
                + " (SELECT value FROM domain_setting WHERE name = 'stranger_policy'),"
                + " coalesce((SELECT received FROM sender_reputation WHERE sender = p.domain), 0),"
                + " coalesce((SELECT fetched FROM sender_reputation WHERE sender = p.domain), 0),"
                + " CASE WHEN p.domain = ? THEN coalesce((SELECT value FROM domain_setting"
                + "   WHERE name = '" + DomainSetting.COLLEAGUES_FETCHED_AT_ONCE + "'), 'true') = 'true' ELSE false END,"
                + " EXISTS (SELECT 1 FROM correspondent c"
                + "   WHERE c.mailbox = m.address AND c.address = p.sender AND c.expires_at > ?),"
                + " r.keys, coalesce(r.opens, false),"
                + " CASE WHEN m.address <> p.address THEN"
                + "   (SELECT blocked FROM mailbox_tag t WHERE t.mailbox = m.address AND t.tag = lower(p.tag)) END"
                + " FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])"
                + "   AS p (address, base, tag, sender, domain, hints)"
                // the address's own mailbox, else the one its tag belongs to
                + " LEFT JOIN LATERAL (SELECT address, stranger_policy FROM mailbox WHERE address IN (p.address, p.base)"
                + "   ORDER BY address = p.address DESC LIMIT 1) m ON true"
                // every sent message a hint matches: a spam report about this mail stops them all
                + " LEFT JOIN LATERAL (SELECT array_agg(s.reply_key ORDER BY s.reply_key) AS keys,"
                + "   bool_or(s.sent_at > ? AND s.spam_reported_at IS NULL) AS opens"
                + "   FROM sent_message s WHERE p.hints IS NOT NULL AND s.mailbox = m.address"
                + "   AND s.reply_key = ANY (string_to_array(p.hints, ' '))) r ON true")
                .params(pullmail.domain(), Timestamp.from(now), addresses, bases, tags, senders, domains, hints,
                        Timestamp.from(now.minus(inbox.replies().window())))
                .query((rs, n) -> facts.put(byKey.get(key(rs.getString(1), rs.getString(2), rs.getString(3))),
                        new Facts(rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                                rs.getString(9), rs.getString(10), rs.getString(11), rs.getLong(12), rs.getLong(13),
                                rs.getBoolean(14), rs.getBoolean(15), keys(rs.getArray(16)), rs.getBoolean(17),
                                (Boolean) rs.getObject(18))))
                .list();
        return facts;
    }

    private static List<String> keys(Array keys) throws SQLException {
        return keys == null ? List.of() : List.of((String[]) keys.getArray());
    }

    /** Hints are base64url, so a space separates them; null skips the lookup of sent mail altogether. */
    private static String hintsOf(Pair p) {
        return p.hints().isEmpty() ? null : String.join(" ", p.hints());
    }

    private static String key(String address, String sender, String hints) {
        return address + '\n' + sender + '\n' + hints;
    }

    /** The rules above applied to one pair's facts; {@code bulk} says whether the mail is a mailing. */
    public Decision decide(Facts f, boolean bulk) {
        return decide(f, bulk, true);
    }

    /**
     * The same, for a sender that may not be proven: mail bridged from SMTP whose DMARC did not pass
     * (PROTOCOL.md 3.6). Such a sender is never let in for who it claims to be (contact, allow lists, partners,
     * colleagues, learned correspondents, a reputable domain), nor by a reply hint (the Message-IDs of mail that
     * crossed SMTP are seen by every relay and list archive): that mail is held as {@link #UNPROVEN}. Blocks
     * apply all the same, and so do tags, which are the recipient's own unguessable addresses.
     */
    public Decision decide(Facts f, boolean bulk, boolean senderProven) {
        String domainRule = f.domainRuleAddress() != null ? f.domainRuleAddress() : f.domainRuleDomain();
        if ("block".equals(domainRule)) {
            return new Decision(Action.BLOCK, "blocked by this domain");
        }
        if (Boolean.TRUE.equals(f.tagBlocked())) {
            return new Decision(Action.BLOCK, "sent to a tag the recipient blocked");
        }
        // an unproven sender's address rule that would let it in is as if absent: its domain's rule then applies
        String ownAddress = senderProven || "block".equals(f.ownRuleAddress()) ? f.ownRuleAddress() : null;
        String ownDomain = senderProven || "block".equals(f.ownRuleDomain()) ? f.ownRuleDomain() : null;
        boolean claimed = f.ownRuleAddress() != null || f.ownRuleDomain() != null || domainRule != null
                || f.colleague() || f.correspondent() || f.replyOpens();
        if (ownAddress != null) {
            return switch (ownAddress) {
                case "block" -> new Decision(Action.BLOCK, "blocked by the recipient");
                case "contact" -> new Decision(Action.FETCH, "a contact");
                default -> new Decision(Action.FETCH, "on the recipient's allow list");
            };
        }
        if (ownDomain != null) {
            return switch (ownDomain) {
                case "block" -> new Decision(Action.BLOCK, "blocked by the recipient");
                case "contact" -> new Decision(Action.FETCH, "a contact");
                default -> new Decision(Action.FETCH, TRUSTED_DOMAIN);
            };
        }
        if (senderProven && domainRule != null) {
            return new Decision(Action.FETCH, "on this domain's allow list");
        }
        if (senderProven && f.colleague()) {
            return new Decision(Action.FETCH, COLLEAGUE);
        }
        if (senderProven && f.correspondent()) {
            return new Decision(Action.FETCH, CORRESPONDENT);
        }
        if (senderProven && f.replyOpens()) {
            return new Decision(Action.FETCH, REPLY);
        }
        if (Boolean.FALSE.equals(f.tagBlocked())) {
            return new Decision(Action.FETCH, TAG);
        }
        Double fetchRatio = f.received() == 0 ? null : Math.min(1.0, (double) f.fetched() / f.received());
        boolean judged = f.received() >= inbox.reputation().minNotifications() && fetchRatio != null;
        if (judged && fetchRatio < inbox.reputation().refuseBelow()) {
            return new Decision(Action.BLOCK, "the sender domain's mail is hardly ever wanted here");
        }
        if (!senderProven && claimed) {
            return new Decision(Action.HOLD, UNPROVEN);
        }
        String setting = f.ownDefault() != null ? f.ownDefault() : f.domainDefault() != null ? f.domainDefault() : "hold";
        return switch (StrangerPolicy.of(setting)) {
            case REFUSE -> new Decision(Action.BLOCK, "the recipient takes no mail from strangers");
            case FETCH_VERIFIED -> senderProven && judged && fetchRatio >= inbox.reputation().goodAbove() && !bulk
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

    /** Trusts (the user's allow list) or blocks a whole sender domain for one mailbox, replacing its rule. */
    public void domainRule(String mailbox, String domain, boolean trusted) {
        rules.put(mailbox, domain, trusted ? RuleKind.ALLOW : RuleKind.BLOCK);
    }
}
