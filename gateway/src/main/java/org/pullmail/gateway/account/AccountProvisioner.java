package org.pullmail.gateway.account;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import org.pullmail.gateway.GatewayProperties;
import org.pullmail.service.InternalApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Creates each account's mailbox (inbox-service) and outbox (outbox-service). Both calls are
 * idempotent PUTs, retried until they succeed: an account row without {@code provisioned_at} is the
 * to-do list, so an account created while a service is down is provisioned when it comes back.
 * Readiness stays down while any account waits, so "ready" means every account can mail.
 */
@Component("accounts")
class AccountProvisioner implements HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(AccountProvisioner.class);

    /** What the inbox and the outbox are asked to create: a mailbox, a sender, for this address. */
    record ProvisioningRequest(String address) {
    }

    /**
     * Their answer: the address they hold, whether this request created it (false: it was there already), and
     * since when it exists.
     */
    record Provisioned(String address, Boolean created, Instant createdAt) {

        boolean confirms(String requested) {
            return requested.equalsIgnoreCase(address) && created != null && createdAt != null;
        }
    }

    private final AccountService accounts;
    private final HttpClient http;
    private final InternalApi internal;
    private final GatewayProperties gateway;
    private final JsonMapper json;

    AccountProvisioner(AccountService accounts, HttpClient http, InternalApi internal, GatewayProperties gateway,
            JsonMapper json) {
        this.accounts = accounts;
        this.http = http;
        this.internal = internal;
        this.gateway = gateway;
        this.json = json;
    }

    /** Provisions one account now; answers whether both services have it. */
    boolean provision(String address) {
        String encoded = URLEncoder.encode(address, StandardCharsets.UTF_8);
        boolean done = put("mailbox", gateway.inboxUrl() + "/internal/v1/mailboxes/" + encoded, address)
                && put("sender", gateway.outboxUrl() + "/internal/v1/senders/" + encoded, address);
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
        long waiting = accounts.waitingForProvisioning();
        return waiting == 0 ? Health.up().build()
                : Health.outOfService().withDetail("accounts waiting for provisioning", waiting).build();
    }

    /** Whether the service confirmed it holds the address; any other answer is retried on the next round. */
    private boolean put(String what, String url, String address) {
        try {
            HttpResponse<String> response = http.send(internal.request(url)
                    .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(new ProvisioningRequest(address))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                log.warn("provisioning {} answered {}: {}", url, response.statusCode(), abbreviate(response.body()));
                return false;
            }
            if (response.statusCode() == 204 && response.body().isEmpty()) {
                // a service from before provisioning answered records: its 204 said it holds the address
                log.debug("{} {} provisioned (an older service's answer)", what, address);
                return true;
            }
            Provisioned answer = json.readValue(response.body(), Provisioned.class);
            if (answer == null || !answer.confirms(address)) {
                log.warn("provisioning {} answered {}, which does not confirm {}", url, abbreviate(response.body()),
                        address);
                return false;
            }
            if (answer.created()) {
                log.info("{} {} created", what, address);
            } else {
                log.debug("{} {} exists since {}", what, address, answer.createdAt());
            }
            return true;
        } catch (JacksonException e) {
            log.warn("provisioning {} answered what is not a provisioning answer: {}", url, e.getOriginalMessage());
        } catch (IOException e) {
            log.debug("provisioning {} failed: {}", url, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
