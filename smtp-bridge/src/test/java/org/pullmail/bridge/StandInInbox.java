package org.pullmail.bridge;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.Ed25519Keys;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.InMemoryNonceStore;
import org.pullmail.protocol.http.PmpSigner;
import org.pullmail.protocol.http.PmpVerifier;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.testing.TestInternalSecret;

/**
 * Stands in for the rest of beta.test while the bridge is tested alone: the inbox's mailbox lookup and notify
 * endpoint (which verifies each notification with the bridge's published keys, as the real inbox does through the
 * discovery document), and the domain's discovery document with the key the inbox signs fetches with.
 */
final class StandInInbox implements AutoCloseable {

    /** A notification as received: its body, the client address the bridge stated, whether its signature verified. */
    record Received(Notification notification, String client, String problem) {
    }

    final Set<String> mailboxes = ConcurrentHashMap.newKeySet();
    final List<Received> received = new CopyOnWriteArrayList<>();
    /** Per subject: the outcome every recipient gets (default accepted). */
    final Map<String, NotificationReceipt.Outcome> outcomes = new ConcurrentHashMap<>();
    /** Per subject: an HTTP status to refuse the notification with instead of a receipt. */
    final Map<String, Integer> refusals = new ConcurrentHashMap<>();
    private final OctetKeyPair inboxKey = Ed25519Keys.generate("beta.test/inbox-stand-in");
    private final HttpServer server;
    private final PmpVerifier verifier = new PmpVerifier(Clock.systemUTC(), new InMemoryNonceStore(Clock.systemUTC()));
    private final HttpClient http = HttpClient.newHttpClient();
    private volatile IntSupplier bridgePort;

    StandInInbox() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.createContext("/", this::handle);
        server.start();
    }

    void bridgePort(IntSupplier port) {
        this.bridgePort = port;
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Signs as beta.test's inbox does (its fetches and status reports). */
    PmpSigner signer() {
        return new PmpSigner(inboxKey, Clock.systemUTC());
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        if (path.equals(Pmp.WELL_KNOWN_PATH)) {
            DiscoveryDocument document = DiscoveryDocument.of("beta.test", URI.create(base() + Pmp.NOTIFY_PATH),
                    URI.create(base() + Pmp.FETCH_PATH + "/"), new JWKSet(inboxKey.toPublicJWK()));
            respond(exchange, 200, PmpJson.writeString(document));
        } else if (path.startsWith("/internal/v1/mailboxes/")) {
            String address = URLDecoder.decode(path.substring("/internal/v1/mailboxes/".length()), StandardCharsets.UTF_8);
            if (!TestInternalSecret.AUTHORIZATION.equals(exchange.getRequestHeaders().getFirst("Authorization"))
                    || address.startsWith("misconfigured@")) {
                respond(exchange, 401, "{\"type\":\"https://pullmail.org/problems/internal-unauthenticated\"}");
            } else if (address.startsWith("elsewhere@")) {
                // a URL that is not the inbox's: some other service's 404
                respond(exchange, 404, "{\"type\":\"https://pullmail.org/problems/not-found\","
                        + "\"detail\":\"no handler for this path\"}");
            } else if (address.startsWith("broken@")) {
                respond(exchange, 500, "{}");
            } else if (address.startsWith("busy@")) {
                respond(exchange, 429, "{}");
            } else if (address.startsWith("teapot@")) {
                respond(exchange, 400, "{\"type\":\"https://pullmail.org/problems/invalid-request\","
                        + "\"detail\":\"" + address + " is not an address of beta.test\"}");
            } else {
                // as the real inbox: the local part regardless of case, answered as the inbox knows it
                String known = mailboxes.stream().filter(m -> m.equalsIgnoreCase(address)).findFirst().orElse(null);
                respond(exchange, known != null ? 200 : 404, known == null
                        ? "{\"type\":\"https://pullmail.org/problems/not-found\",\"detail\":\"mailbox for " + address
                                + " does not exist\"}"
                        : "{\"address\":\"" + known + "\",\"mailbox\":\"" + known + "\"}");
            }
        } else if (path.equals(Pmp.NOTIFY_PATH)) {
            notification(exchange);
        } else {
            respond(exchange, 404, "{}");
        }
    }

    private void notification(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        Notification n;
        try {
            n = PmpJson.readNotification(body);
        } catch (ProtocolException e) {
            respond(exchange, 400, "{}");
            return;
        }
        String problem = null;
        try {
            // as the real inbox: signed for the public notify URL by this domain's own key (PROTOCOL.md 3.6)
            HttpRequestView view = new HttpRequestView("POST", URI.create(base() + Pmp.NOTIFY_PATH));
            exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v -> view.header(name, v)));
            verifier.verify(view, body, SignatureProfile.NOTIFICATION, this::bridgeKey);
        } catch (ProtocolException e) {
            problem = e.type().slug() + ": " + e.detail();
        }
        received.add(new Received(n, exchange.getRequestHeaders().getFirst("X-Pullmail-Client"), problem));
        Integer refusal = n.subject() == null ? null : refusals.get(n.subject());
        if (problem != null || refusal != null) {
            respond(exchange, problem != null ? 401 : refusal, "{\"type\":\"refused\"}");
            return;
        }
        NotificationReceipt.Outcome outcome = n.subject() == null ? null : outcomes.get(n.subject());
        List<NotificationReceipt.RecipientOutcome> entries = new ArrayList<>();
        n.recipients().forEach(r -> entries.add(new NotificationReceipt.RecipientOutcome(r.address(),
                outcome == null ? NotificationReceipt.Outcome.ACCEPTED : outcome)));
        respond(exchange, 200, PmpJson.writeString(new NotificationReceipt(n.id(), entries)));
    }

    /** The bridge's key, read where the notifier reads it to publish it: {@code /internal/v1/keys}. */
    private PublicKey bridgeKey(String kid) throws ProtocolException {
        try {
            HttpResponse<String> keys = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + bridgePort.getAsInt() + "/internal/v1/keys"))
                    .header("Authorization", TestInternalSecret.AUTHORIZATION).build(), HttpResponse.BodyHandlers.ofString());
            JWK key = JWKSet.parse(keys.body()).getKeyByKeyId(kid);
            if (key == null) {
                throw new ProtocolException(ProblemType.UNKNOWN_KEY, "no key " + kid);
            }
            return Ed25519Keys.publicKey(Ed25519Keys.requireEd25519(key));
        } catch (IOException | InterruptedException | ParseException e) {
            throw new ProtocolException(ProblemType.DISCOVERY_FAILED, e.toString());
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
