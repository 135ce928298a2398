package org.pullmail.outbox.sender;

import org.pullmail.outbox.sender.AccountViews.Account;
import org.pullmail.outbox.sender.AccountViews.LimitsUpdate;
import org.pullmail.outbox.sender.AccountViews.Settings;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * An account's sending side: its limits and storage, whether it keeps sent copies; and, for admins, each
 * account's limits. (Its delivery webhook: {@code webhook/WebhookController}.)
 */
@RestController
class AccountController {

    private final AccountService accounts;

    AccountController(AccountService accounts) {
        this.accounts = accounts;
    }

    @GetMapping("/api/v1/outbox/account")
    Account account(@AuthenticationPrincipal Jwt user) {
        return accounts.account(user.getSubject());
    }

    @PutMapping("/api/v1/outbox/account/settings")
    Account settings(@AuthenticationPrincipal Jwt user, @RequestBody Settings settings) {
        return accounts.keepSentCopies(user.getSubject(), settings.keepSentCopies());
    }

    /** An address without an outbox here is not found (for the account itself it is "cannot send", 403). */
    @GetMapping("/api/v1/admin/outbox/accounts/{address}")
    Account adminView(@PathVariable String address) {
        return accounts.accountForAdmin(address);
    }

    @PutMapping("/api/v1/admin/outbox/accounts/{address}/limits")
    Account setLimits(@PathVariable String address, @RequestBody LimitsUpdate limits) {
        return accounts.limit(address, limits);
    }
}
