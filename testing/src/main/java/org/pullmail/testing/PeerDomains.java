package org.pullmail.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.Ed25519Keys;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.HttpSignatures;
import org.pullmail.protocol.http.InMemoryNonceStore;
import org.pullmail.protocol.http.PmpSigner;
import org.pullmail.protocol.http.PmpVerifier;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;

/**
 * Independent PMP/1 domains that the test controls, built only from the protocol library (as a
 * partner's implementation would be): each publishes a discovery document with its own key, takes
 * notifications (verifying their signatures and recording them) and can sign requests of its own.
 */
public final class PeerDomains implements AutoCloseable {

    /** One peer domain. */
    public final class Peer {
        public final String domain;
        public final List<Notification> received = new CopyOnWriteArrayList<>();
        /** The W3C traceparent header of each received notification, in order (null where absent). */
        public final List<String> traceparents = new CopyOnWriteArrayList<>();
        /** Fetches received, per message id (the last segment of the fetch URL). */
        public final Map<String, AtomicInteger> fetches = new ConcurrentHashMap<>();
        /**
         * How to answer a notification, by its subject: a function of the notification that returns the
         * receipt's raw JSON. A notification without one gets every recipient {@code accepted}.
         */
        public final Map<String, Function<Notification, String>> receipts = new ConcurrentHashMap<>();
        /** Status reports received (PROTOCOL.md 5), per message id: each report's JSON body, in order; all answered 204. */
        public final Map<String, List<String>> statusReports = new ConcurrentHashMap<>();
        /** How a fetch of a message id is answered; a message without one answers 404 not-found. */
        public final Map<String, Answer> fetchAnswers = new ConcurrentHashMap<>();
        private final OctetKeyPair signingKey;
        /** Every trickled answer as it began: what it answered ("notification" or "fetch"), the id, and when. */
        public final List<Trickled> trickled = new CopyOnWriteArrayList<>();
        private volatile Duration trickle;

        Peer(String domain) {
            this.domain = domain;
            this.signingKey = Ed25519Keys.generate(domain + "/e2e");
        }

        /**
         * Answers notifications (the receipt) and fetches one byte every {@code pause}, the head at once: a
         * peer that holds every connection open as long as it can. {@code null} answers at once again.
         * Discovery is never trickled, so that the peer's own notifications still verify.
         */
        public void trickle(Duration pause) {
            this.trickle = pause;
        }

        public String base() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + domain;
        }

        public PmpSigner signer() {
            return new PmpSigner(signingKey, Clock.systemUTC());
        }

        public DiscoveryDocument discovery() {
            return DiscoveryDocument.of(domain, URI.create(base() + Pmp.NOTIFY_PATH),
                    URI.create(base() + Pmp.FETCH_PATH + "/"), new JWKSet(signingKey.toPublicJWK()));
        }

        /** A signed request, built the way a PMP/1 domain sends it. */
        public HttpRequest.Builder signed(String method, URI target, byte[] body, SignatureProfile profile,
                Map<String, String> headers, PmpSigner by) {
            return signed(method, target, target, body, profile, headers, by);
        }

        /** Signs for the public {@code target} but sends to {@code sendTo} (a service behind its gateway). */
        public HttpRequest.Builder signed(String method, URI target, URI sendTo, byte[] body, SignatureProfile profile,
                Map<String, String> headers, PmpSigner by) {
            HttpRequestView view = new HttpRequestView(method, target);
            headers.forEach(view::header);
            String digest = body == null ? null : ContentDigest.sha256(body);
            if (digest != null) {
                view.header("Content-Digest", digest);
            }
            HttpSignatures.SignatureFields signature = by.sign(view, profile);
            HttpRequest.Builder request = HttpRequest.newBuilder(sendTo)
                    .header(HttpSignatures.SIGNATURE_INPUT, signature.signatureInput())
                    .header(HttpSignatures.SIGNATURE, signature.signature());
            headers.forEach(request::header);
            if (digest != null) {
                request.header("Content-Digest", digest);
            }
            return request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
        }
    }

    /** A trickled answer: to a notification (its id) or a fetch (the message id), and when it began. */
    public record Trickled(String kind, String id, Instant started) {
    }

    /** A canned answer of a peer's fetch endpoint. */
    public record Answer(int status, String contentType, String body, Map<String, String> headers) {

        /** An RFC 9457 problem of PMP/1 ({@code type} is the problem's slug). */
        public static Answer problem(int status, String type, Map<String, String> headers) {
            return new Answer(status, Pmp.MEDIA_TYPE_PROBLEM, "{\"type\":\"https://pullmail.org/problems/" + type
                    + "\",\"title\":\"" + type + "\",\"status\":" + status + ",\"detail\":\"" + type + "\"}", headers);
        }
    }

    private final HttpServer server;
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    private final Map<String, URI> overrides = new ConcurrentHashMap<>();
    private volatile PmpVerifier verifier;
    private volatile DiscoveryClient discovery;

    public PeerDomains(String... domains) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        for (String domain : domains) {
            peers.put(domain, new Peer(domain));
        }
        server.createContext("/", this::handle);
        // requests are handled side by side, like a real domain's: one slow answer holds up no other
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "peer-domains");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public Peer peer(String domain) {
        return peers.get(domain);
    }

    /** Where the real domains are, so that received notifications can be verified. */
    public void knowDomains(Map<String, String> urls) {
        urls.forEach((d, u) -> overrides.put(d, URI.create(u)));
        discovery = new DiscoveryClient(Clock.systemUTC(), overrides, false);
        verifier = new PmpVerifier(Clock.systemUTC(), new InMemoryNonceStore(Clock.systemUTC()));
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String[] parts = path.split("/", 3);
        Peer peer = parts.length > 1 ? peers.get(parts[1]) : null;
        String rest = parts.length > 2 ? "/" + parts[2] : "/";
        if (peer == null) {
            respond(exchange, 404, "{}");
        } else if (rest.equals(Pmp.WELL_KNOWN_PATH)) {
            respond(exchange, 200, PmpJson.writeString(peer.discovery()));
        } else if (rest.equals(Pmp.NOTIFY_PATH) && exchange.getRequestMethod().equals("POST")) {
            receive(peer, exchange);
        } else if (rest.startsWith(Pmp.FETCH_PATH + "/") && rest.endsWith("/status")
                && exchange.getRequestMethod().equals("POST")) {
            String message = rest.substring(Pmp.FETCH_PATH.length() + 1, rest.length() - "/status".length());
            String report = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            peer.statusReports.computeIfAbsent(message, m -> new CopyOnWriteArrayList<>()).add(report);
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        } else if (rest.startsWith(Pmp.FETCH_PATH + "/") && exchange.getRequestMethod().equals("GET")) {
            String message = rest.substring(Pmp.FETCH_PATH.length() + 1);
            peer.fetches.computeIfAbsent(message, m -> new AtomicInteger()).incrementAndGet();
            Answer answer = peer.fetchAnswers.getOrDefault(message, Answer.problem(404, "not-found", Map.of()));
            answer.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            Duration trickle = peer.trickle;
            if (trickle != null) {
                peer.trickled.add(new Trickled("fetch", message, Instant.now()));
            }
            respond(exchange, answer.status(), answer.contentType(), answer.body(), trickle);
        } else {
            respond(exchange, 404, "{}");
        }
    }

    private void receive(Peer peer, HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        try {
            Notification n = PmpJson.readNotification(body);
            HttpRequestView view = new HttpRequestView("POST", URI.create(peer.base() + Pmp.NOTIFY_PATH));
            exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v -> view.header(name, v)));
            verifier.verify(view, body, SignatureProfile.NOTIFICATION, kid -> discovery.key(n.senderDomain(), kid));
            peer.received.add(n);
            peer.traceparents.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
            var answer = n.subject() == null ? null : peer.receipts.get(n.subject());
            String receipt = answer == null ? null : answer.apply(n);
            if (receipt == null) {
                List<NotificationReceipt.RecipientOutcome> outcomes = new ArrayList<>();
                n.recipients().forEach(r -> outcomes.add(
                        new NotificationReceipt.RecipientOutcome(r.address(), NotificationReceipt.Outcome.ACCEPTED)));
                receipt = PmpJson.writeString(new NotificationReceipt(n.id(), outcomes));
            }
            Duration trickle = peer.trickle;
            if (trickle != null) {
                peer.trickled.add(new Trickled("notification", n.id(), Instant.now()));
            }
            respond(exchange, 200, "application/json", receipt, trickle);
        } catch (ProtocolException e) {
            respond(exchange, e.type().status(), "{\"type\":\"" + e.type().uri() + "\"}");
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        respond(exchange, status, "application/json", body, null);
    }

    /** Sends the answer at once, or with {@code trickle} one byte at a time until the client hangs up. */
    private static void respond(HttpExchange exchange, int status, String contentType, String body, Duration trickle)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (trickle == null) {
                out.write(bytes);
                return;
            }
            for (byte b : bytes) {
                out.write(b);
                out.flush();
                Thread.sleep(trickle.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException hungUp) {
            // a trickled answer ends when the client gives up on it
        }
    }

    public List<String> domains() {
        return Collections.unmodifiableList(new ArrayList<>(peers.keySet()));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
