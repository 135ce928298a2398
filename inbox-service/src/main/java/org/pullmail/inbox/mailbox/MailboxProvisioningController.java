package org.pullmail.inbox.mailbox;

import org.pullmail.service.ApiProblem;
import org.pullmail.service.DomainKeys;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;

/** Internal to the domain: the gateway provisions mailboxes; the notifier publishes the inbox's keys. */
@RestController
class MailboxProvisioningController {

    /** What the gateway may send with a provisioning: the address again, which must be the path's. */
    record Provisioning(@NotBlank String address) {
    }

    private final Mailboxes mailboxes;
    private final DomainKeys keys;

    MailboxProvisioningController(Mailboxes mailboxes, DomainKeys keys) {
        this.mailboxes = mailboxes;
        this.keys = keys;
    }

    /** Idempotent: 200 with {@code created} true for the call that created the mailbox, false for the others. */
    @PutMapping("/internal/v1/mailboxes/{address}")
    Mailboxes.Provisioned provision(@PathVariable String address,
            @RequestBody(required = false) @Valid Provisioning provisioning) {
        if (provisioning != null && !provisioning.address().equals(address)) {
            throw ApiProblem.invalid("the body's address " + provisioning.address() + " is not the path's " + address);
        }
        return mailboxes.provision(address);
    }

    /**
     * Whether mail to the address would reach a mailbox: the SMTP bridge asks at {@code RCPT TO}, so that mail for
     * nobody is refused there (404 problem), not accepted and bounced later. The answer is the address as this domain
     * knows it (the local part matched regardless of case, the tag kept) and its mailbox.
     */
    @GetMapping("/internal/v1/mailboxes/{address}")
    Mailboxes.Recipient recipient(@PathVariable String address) {
        return mailboxes.mailboxOf(address).orElseThrow(() -> ApiProblem.notFound("mailbox for " + address));
    }

    /** The public keys this inbox signs fetches and status reports with. */
    @GetMapping(value = "/internal/v1/keys", produces = MediaType.APPLICATION_JSON_VALUE)
    String keys() {
        return keys.publicKeySet().toString(true);
    }
}
