package org.pullmail.outbox.sender;

import org.pullmail.outbox.sender.AccountViews.ProvisionRequest;
import org.pullmail.outbox.sender.AccountViews.ProvisionedSender;
import org.pullmail.service.ApiProblem;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.Valid;

/**
 * The gateway provisions accounts here when they are created. Idempotent: answers 200 with whether this call
 * created the account. Internal to the domain.
 */
@RestController
class SenderProvisioningController {

    private final AccountService accounts;

    SenderProvisioningController(AccountService accounts) {
        this.accounts = accounts;
    }

    /** The body is optional (a gateway of before sends none); when sent, it names the path's address. */
    @PutMapping("/internal/v1/senders/{address}")
    ProvisionedSender provision(@PathVariable String address,
            @Valid @RequestBody(required = false) ProvisionRequest request) {
        if (request != null && !request.address().equals(address)) {
            throw ApiProblem.invalid("the body's address " + request.address() + " is not the path's " + address);
        }
        return accounts.provision(address);
    }
}
