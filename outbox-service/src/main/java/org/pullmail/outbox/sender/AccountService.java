package org.pullmail.outbox.sender;

import org.pullmail.outbox.sender.AccountViews.Account;
import org.pullmail.outbox.sender.AccountViews.LimitsUpdate;
import org.pullmail.outbox.sender.AccountViews.ProvisionedSender;
import org.pullmail.protocol.Addresses;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PullmailProperties;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Sender accounts: provisioning, their settings, and the limits an admin sets. */
@Service
class AccountService {

    private final SenderRepository senders;
    private final SenderAccount accounts;
    private final PullmailProperties pullmail;

    AccountService(SenderRepository senders, SenderAccount accounts, PullmailProperties pullmail) {
        this.senders = senders;
        this.accounts = accounts;
        this.pullmail = pullmail;
    }

    /** Creates the account's outbox unless it has one. Only addresses of this domain. */
    @Transactional
    ProvisionedSender provision(String address) {
        if (!Addresses.isValid(address) || !Addresses.domainOf(address).equals(pullmail.domain())) {
            throw ApiProblem.invalid(address + " is not an address of " + pullmail.domain());
        }
        boolean created = senders.provision(address) == 1;
        Sender sender = senders.findById(address).orElseThrow();
        return new ProvisionedSender(address, created, sender.createdAt());
    }

    /** The account as its user sees it; 403 when it has no outbox here. */
    @Transactional(readOnly = true)
    Account account(String address) {
        return view(senders.findById(address).orElseThrow(() -> SenderAccount.notProvisioned(address)));
    }

    /** The account as an admin sees it; an address without an outbox here is not found. */
    @Transactional(readOnly = true)
    Account accountForAdmin(String address) {
        return view(existing(address));
    }

    @Transactional
    Account keepSentCopies(String address, Boolean keep) {
        Sender sender = senders.findById(address).orElseThrow(() -> SenderAccount.notProvisioned(address));
        sender.keepSentCopies(keep);
        return view(sender);
    }

    @Transactional
    Account limit(String address, LimitsUpdate limits) {
        if (!Addresses.isValid(address)) {
            throw ApiProblem.invalid("not an address: " + address);
        }
        Sender sender = existing(address);
        for (Number n : new Number[] {limits.messagesPerHour(), limits.messagesPerDay(), limits.recipients(),
                limits.quotaBytes()}) {
            if (n != null && n.longValue() < 0) {
                throw ApiProblem.invalid("limits are not negative");
            }
        }
        sender.limit(limits.messagesPerHour(), limits.messagesPerDay(), limits.recipients(), limits.quotaBytes());
        return view(sender);
    }

    private Sender existing(String address) {
        return senders.findById(address).orElseThrow(() -> ApiProblem.notFound("account " + address));
    }

    private Account view(Sender sender) {
        return new Account(sender.address(), accounts.limits(sender), sender.storedBytes());
    }
}
