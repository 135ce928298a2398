package org.pullmail.bridge.outbound;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.pullmail.testing.TestInternalSecret;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * This domain's outbox as the bridge sees it, on 127.0.0.1: it serves a message's bytes to a recipient's token on
 * {@code GET /internal/v1/messages/{id}/raw} (every token sent must be one of the message's) (410 once the test says the message is gone) and records the SMTP
 * results posted to {@code /internal/v1/deliveries/smtp}. Both refuse a call without the internal secret.
 */
final class StandInOutbox implements AutoCloseable {

    /** A fetch of a message, with every capability it sent. */
    record Fetch(UUID messageId, List<String> tokens) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    final Map<UUID, byte[]> messages = new ConcurrentHashMap<>();
    final Map<String, UUID> tokens = new ConcurrentHashMap<>();
    final List<Fetch> fetches = new CopyOnWriteArrayList<>();
    final List<JsonNode> results = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    StandInOutbox() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 20);
        server.createContext("/", this::handle);
        server.start();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void serve(UUID messageId, byte[] bytes, String... recipientTokens) {
        messages.put(messageId, bytes);
        for (String token : recipientTokens) {
            tokens.put(token, messageId);
        }
    }

    /** Each result the outbox heard for a recipient, in order: {@code status detail}. */
    List<String> resultsFor(UUID messageId, String address) {
        return results.stream().filter(r -> r.get("message_id").asString().equals(messageId.toString()))
                .flatMap(r -> r.get("recipients").valueStream())
                .filter(r -> r.get("address").asString().equals(address))
                .map(r -> r.get("status").asString() + " " + (r.has("detail") ? r.get("detail").asString() : ""))
                .toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (!TestInternalSecret.AUTHORIZATION.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                respond(exchange, 401, "{}".getBytes());
                return;
            }
            if (path.equals("/internal/v1/deliveries/smtp") && exchange.getRequestMethod().equals("POST")) {
                results.add(JSON.readTree(body));
                exchange.sendResponseHeaders(204, -1);
                return;
            }
            if (path.startsWith("/internal/v1/messages/") && path.endsWith("/raw")) {
                UUID id = UUID.fromString(path.split("/")[4]);
                List<String> sent = exchange.getRequestHeaders().getOrDefault("Pullmail-Capability", List.of()).stream()
                        .flatMap(v -> Arrays.stream(v.split(","))).map(String::trim).toList();
                fetches.add(new Fetch(id, sent));
                byte[] bytes = messages.get(id);
                if (bytes == null || sent.isEmpty() || !sent.stream().allMatch(t -> id.equals(tokens.get(t)))) {
                    respond(exchange, bytes == null ? 410 : 404,
                            "{\"title\":\"gone\",\"detail\":\"this message expired before it was fetched\"}".getBytes());
                    return;
                }
                exchange.getResponseHeaders().set("Content-Type", "message/rfc822");
                respond(exchange, 200, bytes);
                return;
            }
            respond(exchange, 404, "{}".getBytes());
        }
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
