package org.pullmail.inbox.policy;

import java.util.Optional;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.inbox.reputation.Reputation;
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
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static StrangerPolicy of(String value) {
            return valueOf(value.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** The action and the rule that chose it, shown to users and admins. */
    public record Decision(Action action, String reason) {
    }

    private final JdbcClient jdbc;
    private final Reputation reputation;
    private final InboxProperties inbox;

    SenderPolicy(JdbcClient jdbc, Reputation reputation, InboxProperties inbox) {
        this.jdbc = jdbc;
        this.reputation = reputation;
        this.inbox = inbox;
    }

    public Decision decide(String mailbox, String sender, boolean bulk) {
        String domain = Addresses.domainOf(sender);
        Optional<String> domainRule = jdbc.sql("SELECT kind FROM domain_rule WHERE entry = ?").param(sender)
                .query(String.class).optional()
                .or(() -> jdbc.sql("SELECT kind FROM domain_rule WHERE entry = ?").param(domain).query(String.class).optional());
        if (domainRule.filter("block"::equals).isPresent()) {
            return new Decision(Action.BLOCK, "blocked by this domain");
        }
        for (String entry : new String[] {sender, domain}) {
            Optional<String> own = jdbc.sql("SELECT kind FROM sender_rule WHERE mailbox = ? AND entry = ?")
                    .params(mailbox, entry).query(String.class).optional();
            if (own.isPresent()) {
                return switch (own.get()) {
                    case "block" -> new Decision(Action.BLOCK, "blocked by the recipient");
                    case "contact" -> new Decision(Action.FETCH, "a contact");
                    default -> new Decision(Action.FETCH, "on the recipient's allow list");
                };
            }
        }
        if (domainRule.isPresent()) {
            return new Decision(Action.FETCH, "on this domain's allow list");
        }
        Reputation.Score score = reputation.of(domain);
        boolean judged = score.received() >= inbox.reputation().minNotifications() && score.fetchRatio() != null;
        if (judged && score.fetchRatio() < inbox.reputation().refuseBelow()) {
            return new Decision(Action.BLOCK, "the sender domain's mail is hardly ever wanted here");
        }
        return switch (strangerPolicy(mailbox)) {
            case REFUSE -> new Decision(Action.BLOCK, "the recipient takes no mail from strangers");
            case FETCH_VERIFIED -> judged && score.fetchRatio() >= inbox.reputation().goodAbove() && !bulk
                    ? new Decision(Action.FETCH, "a stranger from a reputable domain")
                    : new Decision(Action.HOLD, bulk ? "bulk mail from a stranger" : "a stranger");
            case HOLD -> new Decision(Action.HOLD, "a stranger");
        };
    }

    /** The user's own default for strangers, else the domain's, else hold. */
    public StrangerPolicy strangerPolicy(String mailbox) {
        Optional<String> own = jdbc.sql("SELECT stranger_policy FROM mailbox WHERE address = ?").param(mailbox)
                .query((rs, n) -> Optional.ofNullable(rs.getString(1))).optional().flatMap(o -> o);
        return StrangerPolicy.of(own.orElseGet(this::domainStrangerPolicy));
    }

    public String domainStrangerPolicy() {
        return jdbc.sql("SELECT value FROM domain_setting WHERE name = 'stranger_policy'").query(String.class).optional()
                .orElse("hold");
    }
}
