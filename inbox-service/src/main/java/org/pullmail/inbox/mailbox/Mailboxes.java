package org.pullmail.inbox.mailbox;

import org.pullmail.service.ApiProblem;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.stereotype.Component;

/** The authenticated user's mailbox; every user query is scoped by it. */
@Component
public class Mailboxes {

    private final JdbcClient jdbc;

    Mailboxes(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public String of(Jwt user) {
        String address = user.getSubject();
        boolean exists = jdbc.sql("SELECT count(*) FROM mailbox WHERE address = ?").param(address)
                .query(Integer.class).single() > 0;
        if (!exists) {
            throw new ApiProblem("account-not-provisioned", HttpStatus.FORBIDDEN, "No mailbox",
                    address + " has no mailbox in this domain");
        }
        return address;
    }
}
