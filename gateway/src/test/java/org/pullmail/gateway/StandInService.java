package org.pullmail.gateway;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;

import org.pullmail.testing.TestInternalSecret;

import tools.jackson.databind.json.JsonMapper;

/**
 * A stand-in for one service behind the gateway (outbox, inbox or notifier), on an ephemeral 127.0.0.1 port:
 * it records every request that reaches it and answers as the test says. By default it answers the provisioning
 * contract ({@code PUT /internal/v1/mailboxes/{address}}, {@code PUT /internal/v1/senders/{address}}: the address
 * exists, created now) and every other request 200 with its own name. Like the real services, it answers any
 * request under {@code /internal/} without the internal secret 401, whatever the test said.
 */
public final class StandInService {

    /** A request as it reached the service: method, path and query as sent, headers, body. */
    public record Received(String method, String target, Headers headers, byte[] body) {

        public String header(String name) {
            return headers.getFirst(name);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** How the service answers one request. */
    public record Answer(int status, String contentType, String body) {

        public static Answer json(int status, String body) {
            return new Answer(status, "application/json", body);
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public final String name;
    public final List<Received> received = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private volatile Function<Received, Answer> answers;

    private StandInService(String name) {
        this.name = name;
        this.answers = this::usual;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "stand-in-" + name);
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", exchange -> {
            try (exchange) {
                Received request = new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                        exchange.getRequestHeaders(), exchange.getRequestBody().readAllBytes());
                received.add(request);
                Answer answer = request.target().startsWith("/internal/")
                        && !TestInternalSecret.AUTHORIZATION.equals(request.header("Authorization"))
                        ? Answer.json(401, "{\"title\":\"Internal secret required\"}") : answers.apply(request);
                byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
                if (answer.contentType() != null) {
                    exchange.getResponseHeaders().set("Content-Type", answer.contentType());
                }
                exchange.getResponseHeaders().set("X-Stand-In", name);
                exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
    }

    public static StandInService start(String name) {
        return new StandInService(name);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers from now on with {@code answers}; {@link #reset} returns to the usual answers. */
    public void answer(Function<Received, Answer> answers) {
        this.answers = answers;
    }

    /** The usual answers, and nothing received. */
    public void reset() {
        answers = this::usual;
        received.clear();
    }

    /** The requests received whose path starts with {@code prefix}. */
    public List<Received> receivedUnder(String prefix) {
        return received.stream().filter(r -> r.target().startsWith(prefix)).toList();
    }

    /**
     * The provisioning contract's answer for the address the request names, with a member the contract does not
     * name (a later version's), which the gateway ignores.
     */
    public static Answer provisioned(Received request, boolean created) {
        String address = JSON.readTree(request.body()).get("address").asString();
        return Answer.json(200, JSON.writeValueAsString(Map.of("address", address, "created", created,
                "created_at", Instant.now().toString(), "quota_bytes", 1_000_000)));
    }

    /** The usual answers: the provisioning contract, else 200 with the service's name. */
    public Answer usual(Received request) {
        if (request.method().equals("PUT") && (request.target().startsWith("/internal/v1/mailboxes/")
                || request.target().startsWith("/internal/v1/senders/"))) {
            return provisioned(request, true);
        }
        return Answer.json(200, "{\"served_by\":\"" + name + "\"}");
    }
}
