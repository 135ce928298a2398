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
import org.pullmail.service.PullmailProperties;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard's overview: each service's health, and each service's per-minute counters and queue
 * gauges, gathered from the services in parallel. A service that does not answer shows as DOWN.
 */
@RestController
class OverviewController {

    record ServiceState(String name, String status, JsonNode stats) {
    }

    record Overview(String domain, List<ServiceState> services) {
    }

    private final HttpClient http;
    private final GatewayProperties gateway;
    private final PullmailProperties pullmail;
    private final HealthEndpoint health;
    private final AuditTrail audit;
    private final JsonMapper json = JsonMapper.builder().build();

    OverviewController(HttpClient http, GatewayProperties gateway, PullmailProperties pullmail, HealthEndpoint health,
            AuditTrail audit) {
        this.http = http;
        this.gateway = gateway;
        this.pullmail = pullmail;
        this.health = health;
        this.audit = audit;
    }

    @GetMapping("/api/v1/admin/overview")
    Overview overview(@RequestParam(defaultValue = "60") int minutes) {
        Map<String, URI> services = new LinkedHashMap<>();
        services.put("outbox-service", gateway.outboxUrl());
        services.put("notifier-service", gateway.notifierUrl());
        services.put("inbox-service", gateway.inboxUrl());
        List<CompletableFuture<ServiceState>> states = new ArrayList<>();
        services.forEach((name, base) -> states.add(CompletableFuture.supplyAsync(() -> state(name, base, minutes))));
        List<ServiceState> all = new ArrayList<>();
        all.add(new ServiceState("gateway", health.health().getStatus().getCode(), null));
        states.forEach(f -> all.add(f.join()));
        return new Overview(pullmail.domain(), all);
    }

    @GetMapping("/api/v1/admin/audit")
    Map<String, List<AuditTrail.Entry>> audit(@RequestParam(defaultValue = "200") int limit,
            @RequestParam(required = false) String actor) {
        return Map.of("entries", audit.recent(limit, actor));
    }

    private ServiceState state(String name, URI base, int minutes) {
        String status = "DOWN";
        JsonNode stats = null;
        try {
            HttpResponse<String> h = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/health"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            status = h.statusCode() == 200 ? json.readTree(h.body()).path("status").asString("UP") : "DOWN";
            HttpResponse<String> s = http.send(HttpRequest.newBuilder(URI.create(base + "/internal/v1/stats?minutes="
                    + Math.max(1, Math.min(minutes, 1440)))).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (s.statusCode() == 200) {
                stats = json.readTree(s.body());
            }
        } catch (IOException | RuntimeException e) {
            status = "DOWN";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new ServiceState(name, status, stats);
    }
}
