package org.pullmail.inbox.mailbox;

import org.pullmail.protocol.Addresses;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.DomainKeys;
import org.pullmail.service.PullmailProperties;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RestController;

/** Internal to the domain: the gateway provisions mailboxes; the notifier publishes the inbox's keys. */
@RestController
class MailboxProvisioningController {

    private final JdbcClient jdbc;
    private final PullmailProperties pullmail;
    private final DomainKeys keys;

    MailboxProvisioningController(JdbcClient jdbc, PullmailProperties pullmail, DomainKeys keys) {
        this.jdbc = jdbc;
        this.pullmail = pullmail;
        this.keys = keys;
    }

    @PutMapping("/internal/v1/mailboxes/{address}")
    ResponseEntity<Void> provision(@PathVariable String address) {
        if (!Addresses.isValid(address) || !Addresses.domainOf(address).equals(pullmail.domain())) {
            throw ApiProblem.invalid(address + " is not an address of " + pullmail.domain());
        }
        jdbc.sql("INSERT INTO mailbox (address) VALUES (?) ON CONFLICT DO NOTHING").param(address).update();
        return ResponseEntity.noContent().build();
    }

    /** The public keys this inbox signs fetches and status reports with. */
    @GetMapping(value = "/internal/v1/keys", produces = MediaType.APPLICATION_JSON_VALUE)
    String keys() {
        return keys.publicKeySet().toString(true);
    }
}
