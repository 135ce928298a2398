package org.pullmail.gateway.account;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.pullmail.gateway.GatewayProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Creates each account's mailbox (inbox-service) and outbox (outbox-service). Both calls are
 * idempotent PUTs, retried until they succeed: an account row without {@code provisioned_at} is the
 * to-do list, so an account created while a service is down is provisioned when it comes back.
 * Readiness stays down while any account waits, so "ready" means every account can mail.
 */
@Component("accounts")
public class AccountProvisioner implements HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(AccountProvisioner.class);

    private final AccountRepository accounts;
    private final HttpClient http;
    private final GatewayProperties gateway;

    AccountProvisioner(AccountRepository accounts, HttpClient http, GatewayProperties gateway) {
        this.accounts = accounts;
        this.http = http;
        this.gateway = gateway;
    }

    /** Provisions one account now; answers whether both services have it. */
    public boolean provision(String address) {
        String encoded = URLEncoder.encode(address, StandardCharsets.UTF_8);
        boolean done = put(gateway.inboxUrl() + "/internal/v1/mailboxes/" + encoded)
                && put(gateway.outboxUrl() + "/internal/v1/senders/" + encoded);
        if (done) {
            accounts.markProvisioned(address);
        }
        return done;
    }

    @Scheduled(fixedDelayString = "PT1S", initialDelayString = "PT1S")
    void provisionPending() {
        for (String address : accounts.unprovisioned()) {
            if (!provision(address)) {
                return; // a service is down; try again on the next round
            }
        }
    }

    @Override
    public Health health() {
        int waiting = accounts.unprovisioned().size();
        return waiting == 0 ? Health.up().build()
                : Health.outOfService().withDetail("accounts waiting for provisioning", waiting).build();
    }

    private boolean put(String url) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(5)).PUT(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 == 2) {
                return true;
            }
            log.warn("provisioning {} answered {}: {}", url, response.statusCode(), response.body());
        } catch (IOException e) {
            log.debug("provisioning {} failed: {}", url, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }
}
