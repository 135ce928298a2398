package org.pullmail.gateway.account;

import java.net.URI;
import java.util.List;

import org.pullmail.gateway.token.Revocations;
import org.pullmail.protocol.Addresses;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PageCursor;
import org.pullmail.service.PullmailProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** Accounts, for admins. Creating is idempotent: a repeat answers 200 and provisions again if needed. */
@RestController
@RequestMapping("/api/v1/admin/accounts")
class AdminAccountController {

    record CreateAccount(@NotBlank String address,
            @NotBlank @Size(min = 10, max = 200, message = "a password has 10 to 200 characters") String password,
            Boolean admin) {
    }

    record AccountView(String address, List<String> roles, boolean disabled, boolean provisioned) {
        static AccountView of(Account a) {
            return new AccountView(a.address(), a.roles(), a.disabled(), a.provisioned());
        }
    }

    /** next: the cursor of the following page, absent on the last. */
    record AccountList(List<AccountView> accounts, String next) {
    }

    private final AccountService accounts;
    private final AccountProvisioner provisioner;
    private final PullmailProperties pullmail;
    private final Revocations revocations;

    AdminAccountController(AccountService accounts, AccountProvisioner provisioner, PullmailProperties pullmail,
            Revocations revocations) {
        this.accounts = accounts;
        this.provisioner = provisioner;
        this.pullmail = pullmail;
        this.revocations = revocations;
    }

    @PostMapping
    ResponseEntity<AccountView> create(@Valid @RequestBody CreateAccount request) {
        String address = request.address().trim();
        if (!Addresses.isValid(address) || !Addresses.domainOf(address).equals(pullmail.domain())) {
            throw ApiProblem.invalid("an account's address is name@" + pullmail.domain());
        }
        boolean created = accounts.create(address, request.password(), Boolean.TRUE.equals(request.admin()));
        provisioner.provision(address);
        AccountView view = AccountView.of(accounts.find(address).orElseThrow());
        if (!view.provisioned()) {
            // stored, and will be provisioned when the services answer; tell the caller it is not usable yet
            return ResponseEntity.status(HttpStatus.ACCEPTED).body(view);
        }
        return created ? ResponseEntity.created(URI.create("/api/v1/admin/accounts/" + address)).body(view)
                : ResponseEntity.ok(view);
    }

    /** In address order; q keeps the accounts whose address contains it. */
    @GetMapping
    AccountList list(@RequestParam(required = false) String q, @RequestParam(defaultValue = "100") int limit,
            @RequestParam(required = false) String cursor) {
        PageCursor.Page<Account> page = accounts.list(q, limit, cursor);
        return new AccountList(page.entries().stream().map(AccountView::of).toList(), page.next());
    }

    record Disable(Boolean disabled) {
    }

    record Password(@NotBlank @Size(min = 10, max = 200, message = "a password has 10 to 200 characters") String password) {
    }

    /**
     * A disabled account cannot obtain tokens, and the tokens it holds are refused from now on (its event
     * streams are closed); enabling it again does not bring them back.
     */
    @PutMapping("/{address}/disabled")
    AccountView disable(@PathVariable String address,
            @RequestBody Disable request) {
        if (request.disabled() == null) {
            throw ApiProblem.invalid("disabled is true or false");
        }
        if (!accounts.setDisabled(address, request.disabled())) {
            throw ApiProblem.notFound("account " + address);
        }
        if (request.disabled()) {
            revocations.revoked(address);
        } else {
            revocations.refresh();
        }
        return AccountView.of(accounts.find(address).orElseThrow());
    }

    @PostMapping("/{address}/password")
    AccountView resetPassword(@PathVariable String address,
            @Valid @RequestBody Password request) {
        if (!accounts.setPassword(address, request.password())) {
            throw ApiProblem.notFound("account " + address);
        }
        revocations.revoked(address); // the tokens issued with the old password
        return AccountView.of(accounts.find(address).orElseThrow());
    }
}
