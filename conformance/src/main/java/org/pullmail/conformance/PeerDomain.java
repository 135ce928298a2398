package org.pullmail.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.json.PmpJson;

/**
 * The kit's own PMP/1 domain on 127.0.0.1: it publishes a discovery document with one Ed25519 key,
 * takes the deployment's notifications at its notify_url (checking each, see
 * {@link InboundNotifications}) and serves its probe messages should the deployment fetch one.
 */
final class PeerDomain implements AutoCloseable {

    /** Long enough that the deployment does not rediscover per request, at the protocol's minimum. */
    static final String CACHE_CONTROL = "public, max-age=60";

    /** RFC 9457 problem members, as every PMP/1 refusal carries them. */
    private record ProblemBody(String type, String title, int status, String detail) {
    }

    private final String domain;
    private final OctetKeyPair key;
    private final InboundNotifications inbound;
    private final PeerOutbox outbox;
    private final HttpServer server;
    private final ExecutorService threads;

    /** Starts listening on 127.0.0.1:{@code port}. */
    PeerDomain(String domain, int port, OctetKeyPair key, InboundNotifications inbound, PeerOutbox outbox)
            throws IOException {
        this.domain = domain;
        this.key = key;
        this.inbound = inbound;
        this.outbox = outbox;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 50);
        // several threads: the deployment may discover this domain while one of its notifications is in hand
        this.threads = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "pmp-conformance-peer");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    String domain() {
        return domain;
    }

    URI base() {
        return base(server.getAddress().getPort());
    }

    /** Where the peer domain answers when it listens on {@code port}. */
    static URI base(int port) {
        return URI.create("http://127.0.0.1:" + port);
    }

    URI notifyUrl() {
        return URI.create(base() + Pmp.NOTIFY_PATH);
    }

    URI fetchBase() {
        return URI.create(base() + Pmp.FETCH_PATH + "/");
    }

    DiscoveryDocument discoveryDocument() {
        return DiscoveryDocument.of(domain, notifyUrl(), fetchBase(), new JWKSet(key.toPublicJWK()));
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String path = exchange.getRequestURI().getRawPath();
            String method = exchange.getRequestMethod();
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(Pmp.MAX_NOTIFICATION_BYTES + 1);
            }
            try {
                if (path.equals(Pmp.WELL_KNOWN_PATH) && method.equals("GET")) {
                    exchange.getResponseHeaders().set("Cache-Control", CACHE_CONTROL);
                    respond(exchange, 200, Pmp.MEDIA_TYPE_JSON, PmpJson.write(discoveryDocument()));
                } else if (path.equals(Pmp.NOTIFY_PATH) && method.equals("POST")) {
                    receive(exchange, body);
                } else if (path.startsWith(Pmp.FETCH_PATH + "/")) {
                    serve(exchange, path.substring(Pmp.FETCH_PATH.length() + 1), method, body);
                } else {
                    throw new ProtocolException(ProblemType.NOT_FOUND, "nothing here");
                }
            } catch (ProtocolException e) {
                problem(exchange, e);
            }
        } catch (RuntimeException e) {
            // a request the peer cannot handle must not stop it; the exchange is closed below
        } finally {
            exchange.close();
        }
    }

    private void receive(HttpExchange exchange, byte[] body) throws IOException, ProtocolException {
        InboundNotifications.Received received = inbound.receive(view(exchange), body);
        if (received.refusal() != null) {
            throw received.refusal();
        }
        List<NotificationReceipt.RecipientOutcome> outcomes = received.notification().recipients().stream()
                .map(r -> new NotificationReceipt.RecipientOutcome(r.address(), NotificationReceipt.Outcome.ACCEPTED))
                .toList();
        respond(exchange, 200, Pmp.MEDIA_TYPE_JSON,
                PmpJson.write(new NotificationReceipt(received.notification().id(), outcomes)));
    }

    private void serve(HttpExchange exchange, String rest, String method, byte[] body)
            throws IOException, ProtocolException {
        boolean status = rest.endsWith("/status") && method.equals("POST");
        if (!status && !method.equals("GET")) {
            throw new ProtocolException(ProblemType.NOT_FOUND, "fetch with GET, report with POST .../status");
        }
        String id = status ? rest.substring(0, rest.length() - "/status".length()) : rest;
        PeerOutbox.Served served = outbox.serve(id, status, view(exchange), body);
        if (served.bytes() == null) {
            exchange.sendResponseHeaders(served.status(), -1);
            return;
        }
        exchange.getResponseHeaders().set("Content-Digest", ContentDigest.sha256(served.bytes()));
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        respond(exchange, served.status(), Pmp.MEDIA_TYPE_MESSAGE, served.bytes());
    }

    /** The request as its signer saw it: the public URL this peer published. */
    private HttpRequestView view(HttpExchange exchange) {
        URI uri = exchange.getRequestURI();
        HttpRequestView view = new HttpRequestView(exchange.getRequestMethod(),
                URI.create(base() + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())));
        exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v -> view.header(name, v)));
        return view;
    }

    private static void problem(HttpExchange exchange, ProtocolException e) throws IOException {
        ProblemType type = e.type();
        respond(exchange, type.status(), Pmp.MEDIA_TYPE_PROBLEM,
                PmpJson.write(new ProblemBody(type.uri().toString(), type.title(), type.status(), e.detail())));
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
