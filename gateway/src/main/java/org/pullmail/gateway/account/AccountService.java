package org.pullmail.gateway.account;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

import org.pullmail.service.PageCursor;
import org.springframework.data.domain.Limit;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The domain's accounts: signing in, creating, disabling, password resets, and which accounts still wait for
 * their mailbox and outbox. Passwords are bcrypt hashes; a bcrypt check or hash costs tens of milliseconds of CPU,
 * so it never runs inside a transaction (it would hold a pooled connection that long).
 */
@Service
public class AccountService {

    /** Who signed in, as an access token names them. */
    public record Authenticated(String address, List<String> roles) {
    }

    /** Compared against when the address is unknown, so both paths cost one bcrypt check. */
    private static final String DUMMY_HASH = new BCryptPasswordEncoder().encode("no such account");

    /** Accounts provisioned per round at most: the rest wait for the next. */
    private static final int PROVISIONING_ROUND = 100;

    private final AccountRepository accounts;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final PasswordEncoder passwords = new BCryptPasswordEncoder();

    AccountService(AccountRepository accounts, TransactionTemplate tx, Clock clock) {
        this.accounts = accounts;
        this.tx = tx;
        this.clock = clock;
    }

    /** The account, when the password is its own and the account is not disabled. */
    public Optional<Authenticated> authenticate(String address, String password) {
        Optional<Account> account = accounts.findById(address);
        boolean matches = passwords.matches(password, account.map(Account::passwordHash).orElse(DUMMY_HASH));
        return account.filter(a -> matches && !a.disabled()).map(a -> new Authenticated(a.address(), a.roles()));
    }

    /** Creates the account unless it exists; answers whether it was created. */
    public boolean create(String address, String password, boolean admin) {
        return accounts.insertIfAbsent(address, passwords.encode(password), admin ? "USER,ADMIN" : "USER") == 1;
    }

    /** Disables or enables the account; answers false when there is none. */
    @Transactional
    public boolean setDisabled(String address, boolean disabled) {
        return accounts.findById(address).map(account -> {
            if (disabled) {
                account.disable(clock.instant());
            } else {
                account.enable();
            }
            return true;
        }).orElse(false);
    }

    /** Gives the account a new password; answers false when there is none. */
    public boolean setPassword(String address, String password) {
        String hash = passwords.encode(password);
        return Boolean.TRUE.equals(tx.execute(status -> accounts.findById(address).map(account -> {
            account.changePassword(hash, clock.instant());
            return true;
        }).orElse(false)));
    }

    Optional<Account> find(String address) {
        return accounts.findById(address);
    }

    /** One page of the accounts whose address contains {@code search} (in any case), in address order. */
    PageCursor.Page<Account> list(String search, int limit, String cursor) {
        Limit rows = Limit.of(PageCursor.fetch(limit));
        PageCursor after = PageCursor.parse(cursor);
        // every address sorts after "": the first page needs no query of its own
        List<Account> page = accounts.findByAddressContainingIgnoreCaseAndAddressGreaterThanOrderByAddress(
                search == null ? "" : search.trim(), after == null ? "" : after.id(), rows);
        return PageCursor.page(page, limit, account -> new PageCursor(null, account.address()), account -> account);
    }

    /** Accounts whose mailbox or outbox is still to be created, oldest first. */
    List<String> unprovisioned() {
        return accounts.findByProvisionedAtIsNullOrderByCreatedAt(Limit.of(PROVISIONING_ROUND)).stream()
                .map(Account::address).toList();
    }

    long waitingForProvisioning() {
        return accounts.countByProvisionedAtIsNull();
    }

    @Transactional
    public void markProvisioned(String address) {
        accounts.findById(address).ifPresent(account -> account.provisioned(clock.instant()));
    }
}
