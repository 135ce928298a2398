package org.pullmail.outbox.sender;

import org.pullmail.protocol.Addresses;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PullmailProperties;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RestController;

/** The gateway provisions accounts here when they are created. Idempotent. Internal to the domain. */
@RestController
class SenderProvisioningController {

    private final JdbcClient jdbc;
    private final PullmailProperties pullmail;

    SenderProvisioningController(JdbcClient jdbc, PullmailProperties pullmail) {
        this.jdbc = jdbc;
        this.pullmail = pullmail;
    }

    @PutMapping("/internal/v1/senders/{address}")
    ResponseEntity<Void> provision(@PathVariable String address) {
        if (!Addresses.isValid(address) || !Addresses.domainOf(address).equals(pullmail.domain())) {
            throw ApiProblem.invalid(address + " is not an address of " + pullmail.domain());
        }
        jdbc.sql("INSERT INTO sender (address) VALUES (?) ON CONFLICT DO NOTHING").param(address).update();
        return ResponseEntity.noContent().build();
    }
}
