package org.pullmail.gateway.account;

import org.pullmail.gateway.GatewayProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/** Creates the configured accounts (the demo's, or the first admin) when they do not exist yet. */
@Component
class InitialAccounts implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(InitialAccounts.class);

    private final AccountService accounts;
    private final GatewayProperties gateway;

    InitialAccounts(AccountService accounts, GatewayProperties gateway) {
        this.accounts = accounts;
        this.gateway = gateway;
    }

    @Override
    public void run(ApplicationArguments args) {
        for (GatewayProperties.InitialAccount account : gateway.accounts()) {
            if (accounts.create(account.address(), account.password(), account.admin())) {
                log.info("created account {}{}", account.address(), account.admin() ? " (admin)" : "");
            }
        }
    }
}
