package org.pullmail.notifier;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.http.Ed25519Keys;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.testing.TestInternalSecret;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the notifier talks to, on one ephemeral 127.0.0.1 port: recipient domains under {@code /{domain}/} (a
 * discovery document and a notification endpoint that answers as the test says, recording every attempt), and
 * this domain's outbox under {@code /outbox/} (which takes outcome reports, recording them) with the gateway's
 * key set for admin tokens. Its internal endpoints refuse a call without the internal secret, as the services do.
 */
public final class PeerStandIns {

    /** A notification as it reached a recipient domain: its body and headers, and the notifier's time then. */
    public record Attempt(String domain, JsonNode notification, Headers headers, byte[] body, Instant at) {
    }

    /** How a recipient domain answers one notification. */
    public record Answer(int status, Map<String, String> headers, String body) {

        public static Answer of(int status) {
            return new Answer(status, Map.of(), "{\"type\":\"https://pullmail.org/problems/unavailable\"}");
        }

        public static Answer retryAfter(int status, long seconds) {
            return new Answer(status, Map.of("Retry-After", Long.toString(seconds)),
                    "{\"type\":\"https://pullmail.org/problems/rate-limited\"}");
        }

        /** 200 with a receipt giving each recipient the outcome the map names. */
        public static Answer receipt(String notificationId, Map<String, String> outcomes) {
            List<Map<String, String>> recipients = outcomes.entrySet().stream()
                    .map(e -> Map.of("address", e.getKey(), "outcome", e.getValue())).toList();
            return new Answer(200, Map.of(),
                    JSON.writeValueAsString(Map.of("id", notificationId, "recipients", recipients)));
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    /** Outcome reports the outbox took, as sent. */
    public final List<JsonNode> outcomes = new CopyOnWriteArrayList<>();
    /** How each recipient domain answers: by attempt number, from 1. Unlisted domains answer 404. */
    public final Map<String, Function<Integer, Answer>> domains = new ConcurrentHashMap<>();
    /** Notifications handed to this domain's SMTP bridge, as sent, with their headers. */
    public final List<Attempt> handovers = new CopyOnWriteArrayList<>();
    /** How the SMTP bridge answers a hand-over: by hand-over number, from 1. */
    public volatile Function<Integer, Integer> bridgeStatus = n -> 202;
    /** Domains whose discovery document answers this status instead (a transient failure, say). */
    public final Map<String, Integer> discoveryStatus = new ConcurrentHashMap<>();
    /** How the outbox answers outcome reports: by report number, from 1. */
    public volatile Function<Integer, Integer> outboxStatus = n -> 200;
    private volatile JWKSet gatewayKeys = new JWKSet();
    private final TestClock clock;
    private final HttpServer server;

    public PeerStandIns(TestClock clock) {
        this.clock = clock;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "peer-stand-ins");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    public String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Where the notifier finds {@code domain}'s discovery document. */
    public String domainBase(String domain) {
        return base() + "/" + domain;
    }

    /** This domain's SMTP bridge. */
    public String bridgeUrl() {
        return base() + "/bridge";
    }

    public String outboxUrl() {
        return base() + "/outbox";
    }

    public void gatewayKeys(JWKSet keys) {
        this.gatewayKeys = keys;
    }

    public List<Attempt> attemptsTo(String domain) {
        return attempts.stream().filter(a -> a.domain().equals(domain)).toList();
    }

    public List<JsonNode> outcomesOf(String notificationId) {
        return outcomes.stream().filter(o -> o.get("notification_id").asString().equals(notificationId)).toList();
    }

    public void reset() {
        attempts.clear();
        outcomes.clear();
        handovers.clear();
        bridgeStatus = n -> 202;
        discoveryStatus.clear();
        domains.clear();
        outboxStatus = n -> 200;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if ((path.startsWith("/outbox/internal/") || path.startsWith("/bridge/internal/"))
                    && !TestInternalSecret.AUTHORIZATION.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                respond(exchange, 401, Map.of(), "{\"title\":\"Internal secret required\"}");
                return;
            }
            if (path.equals("/outbox/internal/v1/outcomes") && exchange.getRequestMethod().equals("POST")) {
                outcomes.add(JSON.readTree(body));
                respond(exchange, outboxStatus.apply(outcomes.size()), Map.of(), "{}");
                return;
            }
            if (path.equals("/bridge/internal/v1/outbound") && exchange.getRequestMethod().equals("POST")) {
                handovers.add(new Attempt("bridge", JSON.readTree(body), exchange.getRequestHeaders(), body,
                        clock.instant()));
                respond(exchange, bridgeStatus.apply(handovers.size()), Map.of(), "{}");
                return;
            }
            if (path.equals("/outbox/jwks")) {
                respond(exchange, 200, Map.of(), gatewayKeys.toString(true));
                return;
            }
            if (path.equals("/outbox/internal/v1/keys")) { // the inbox's keys, for this domain's discovery document
                respond(exchange, 200, Map.of(), "{\"keys\":[]}");
                return;
            }
            String[] parts = path.split("/", 3);
            String domain = parts.length > 1 ? parts[1] : "";
            String rest = parts.length > 2 ? "/" + parts[2] : "/";
            Function<Integer, Answer> answers = domains.get(domain);
            if (discoveryStatus.containsKey(domain)) {
                respond(exchange, discoveryStatus.get(domain), Map.of(), "{}");
            } else if (answers == null) {
                respond(exchange, 404, Map.of(), "{}");
            } else if (rest.equals(Pmp.WELL_KNOWN_PATH)) {
                DiscoveryDocument document = DiscoveryDocument.of(domain,
                        URI.create(domainBase(domain) + Pmp.NOTIFY_PATH), URI.create(domainBase(domain) + Pmp.FETCH_PATH + "/"),
                        new JWKSet(Ed25519Keys.generate(domain + "/test").toPublicJWK()));
                respond(exchange, 200, Map.of(), PmpJson.writeString(document));
            } else if (rest.equals(Pmp.NOTIFY_PATH) && exchange.getRequestMethod().equals("POST")) {
                attempts.add(new Attempt(domain, JSON.readTree(body), exchange.getRequestHeaders(), body,
                        clock.instant()));
                Answer answer = answers.apply(attemptsTo(domain).size());
                respond(exchange, answer.status(), answer.headers(), answer.body());
            } else {
                respond(exchange, 404, Map.of(), "{}");
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, Map<String, String> headers, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
