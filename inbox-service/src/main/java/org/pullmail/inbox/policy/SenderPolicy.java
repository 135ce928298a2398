package org.pullmail.inbox.policy;

import org.pullmail.protocol.Addresses;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What a mailbox does with a sender's notification. Precedence: a block (by address or by domain)
 * beats everything; then a contact is fetched at once; every other sender is held as a request.
 */
@Component
public class SenderPolicy {

    public enum Decision { BLOCK, FETCH, HOLD }

    private final JdbcClient jdbc;

    SenderPolicy(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Decision decide(String mailbox, String sender) {
        boolean blocked = jdbc.sql("SELECT count(*) FROM blocked_sender WHERE mailbox = ? AND entry IN (?, ?)")
                .params(mailbox, sender, Addresses.domainOf(sender)).query(Integer.class).single() > 0;
        if (blocked) {
            return Decision.BLOCK;
        }
        boolean contact = jdbc.sql("SELECT count(*) FROM contact WHERE mailbox = ? AND address = ?")
                .params(mailbox, sender).query(Integer.class).single() > 0;
        return contact ? Decision.FETCH : Decision.HOLD;
    }
}
