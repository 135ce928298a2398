package org.pullmail.gateway.admin;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.pullmail.gateway.GatewayProperties;
import org.pullmail.service.InternalApi;
import org.pullmail.service.PullmailProperties;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.stereotype.Component;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Each service's health, and each service's per-minute counters and queue gauges, gathered from the services in
 * parallel. A service that does not answer shows as DOWN. Health is its readiness on its main port ({@code /readyz}):
 * where a service serves Actuator on a management port of its own (Kubernetes, Compose), that port is for the
 * metrics scraper, not for the gateway.
 */
@Component
class DomainOverview {

    /** stats: the service's own report, passed on as it gave it (the dashboard draws it). */
    record ServiceState(String name, String status, JsonNode stats) {
    }

    record Overview(String domain, List<ServiceState> services) {
    }

    /** What this overview reads of a service's health answer. */
    private record ServiceHealth(String status) {
    }

    private final HttpClient http;
    private final InternalApi internal;
    private final GatewayProperties gateway;
    private final PullmailProperties pullmail;
    private final HealthEndpoint health;
    private final JsonMapper json;

    DomainOverview(HttpClient http, InternalApi internal, GatewayProperties gateway, PullmailProperties pullmail,
            HealthEndpoint health, JsonMapper json) {
        this.http = http;
        this.internal = internal;
        this.gateway = gateway;
        this.pullmail = pullmail;
        this.health = health;
        this.json = json;
    }

    /** The domain's services now, with their counters over the last {@code minutes} (1 to 1440). */
    Overview now(int minutes) {
        Map<String, URI> services = new LinkedHashMap<>();
        services.put("outbox-service", gateway.outboxUrl());
        services.put("notifier-service", gateway.notifierUrl());
        services.put("inbox-service", gateway.inboxUrl());
        services.put("smtp-bridge", gateway.bridgeUrl());
        int window = Math.max(1, Math.min(minutes, 1440));
        List<CompletableFuture<ServiceState>> states = new ArrayList<>();
        services.forEach((name, base) -> states.add(CompletableFuture.supplyAsync(() -> state(name, base, window))));
        List<ServiceState> all = new ArrayList<>();
        all.add(new ServiceState("gateway", health.health().getStatus().getCode(), null));
        states.forEach(f -> all.add(f.join()));
        return new Overview(pullmail.domain(), all);
    }

    private ServiceState state(String name, URI base, int minutes) {
        String status = "DOWN";
        JsonNode stats = null;
        try {
            HttpResponse<String> h = http.send(HttpRequest.newBuilder(URI.create(base + "/readyz"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            if (h.statusCode() == 200) {
                ServiceHealth answer = json.readValue(h.body(), ServiceHealth.class);
                status = answer == null || answer.status() == null ? "UP" : answer.status();
            }
            HttpResponse<String> s = http.send(internal.request(base + "/internal/v1/stats?minutes=" + minutes)
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (s.statusCode() == 200) {
                stats = json.readTree(s.body());
            }
        } catch (IOException | JacksonException e) {
            status = "DOWN";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new ServiceState(name, status, stats);
    }
}
