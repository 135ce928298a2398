package org.pullmail.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.Ed25519Keys;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.HttpSignatures;
import org.pullmail.protocol.http.PmpSigner;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;

/**
 * A small PMP/1 deployment for testing the kit, built from the protocol library alone: a discovery
 * document, Pullmail's user API as far as {@code --send-as} uses it (log in, send, recall), and the
 * sending of notifications to peer domains. How it answers notifications, fetches and status reports
 * is up to the subclass: {@link ReferenceDeployment} follows the rules, {@link BrokenDeployment} does not.
 */
abstract class StubDeployment implements AutoCloseable {

    static final String PASSWORD = "stub-password";

    /** Where a delivery stands, as the sender sees it. */
    enum State { QUEUED, NOTIFIED, FETCHED, STORED, DECLINED, SPAM }

    /** One recipient of a message. */
    static final class Delivery {
        final String address;
        final String token;
        volatile State state = State.QUEUED;
        volatile Instant storedAt;

        Delivery(String address, String token) {
            this.address = address;
            this.token = token;
        }
    }

    /** A message in the outbox. */
    static final class Message {
        final String id;
        final byte[] bytes;
        final Instant sentAt;
        final Map<String, Delivery> byToken = new LinkedHashMap<>();
        volatile boolean recalled;

        Message(String id, byte[] bytes, Instant sentAt) {
            this.id = id;
            this.bytes = bytes;
            this.sentAt = sentAt;
        }
    }

    /** A refusal as a problem: the status and slug, whether or not the protocol library names the type. */
    static final class Refusal extends Exception {
        final int status;
        final String slug;

        Refusal(int status, String slug, String detail) {
            super(detail);
            this.status = status;
            this.slug = slug;
        }

        Refusal(ProtocolException e) {
            this(e.type().status(), e.type().slug(), e.detail());
        }
    }

    /** An answer. */
    record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
        static Reply json(int status, Object body) {
            return new Reply(status, Pmp.MEDIA_TYPE_JSON, PmpJson.write(body), Map.of());
        }
    }

    private record ProblemBody(String type, String title, int status, String detail) {
    }

    private record TokenRequest(String address, String password) {
    }

    private record TokenAnswer(String accessToken, String tokenType) {
    }

    private record SendRequest(List<String> to, String subject, String text) {
    }

    private record SentMessage(String id) {
    }

    final String domain;
    final String account;
    final OctetKeyPair key;
    final Map<String, Message> messages = new ConcurrentHashMap<>();
    final DiscoveryClient discovery;
    final Clock clock = Clock.systemUTC();
    private final HttpServer server;
    private final ExecutorService threads;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String accessToken = UUID.randomUUID().toString();

    /** @param peers static discovery entries: domain → base URL */
    StubDeployment(String domain, Map<String, URI> peers) throws IOException {
        this.domain = domain;
        this.account = "alice@" + domain;
        this.key = Ed25519Keys.generate(domain + "/stub");
        this.discovery = new DiscoveryClient(clock, peers, true);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        this.threads = Executors.newFixedThreadPool(4);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    URI fetchBase() {
        return URI.create(base() + Pmp.FETCH_PATH + "/");
    }

    /** The discovery document as served. */
    byte[] discoveryDocument() {
        return PmpJson.write(DiscoveryDocument.of(domain, URI.create(base() + Pmp.NOTIFY_PATH), fetchBase(),
                new JWKSet(key.toPublicJWK())));
    }

    /** The Cache-Control of the discovery document, or null for none. */
    abstract String cacheControl();

    abstract Reply notification(HttpRequestView request, byte[] body) throws Refusal;

    /** A fetch of {@code message}, null when the URL names none. */
    abstract Reply fetch(Message message, HttpRequestView request) throws Refusal;

    /** A status report on {@code message}, null when the URL names none. */
    abstract Reply status(Message message, HttpRequestView request, byte[] body) throws Refusal;

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String path = exchange.getRequestURI().getRawPath();
            String method = exchange.getRequestMethod();
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            HttpRequestView view = new HttpRequestView(method, URI.create(base() + path
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery())));
            exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v -> view.header(name, v)));
            Reply reply;
            try {
                reply = route(method, path, view, body);
            } catch (Refusal r) {
                reply = new Reply(r.status, Pmp.MEDIA_TYPE_PROBLEM, PmpJson.write(new ProblemBody(ProblemType.BASE + r.slug,
                        "Refused: " + r.slug, r.status, r.getMessage())), Map.of());
            }
            reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            if (reply.contentType() != null) {
                exchange.getResponseHeaders().set("Content-Type", reply.contentType());
            }
            byte[] out = reply.body() == null ? new byte[0] : reply.body();
            exchange.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(out);
            }
        } finally {
            exchange.close();
        }
    }

    private Reply route(String method, String path, HttpRequestView view, byte[] body) throws Refusal {
        if (method.equals("GET") && path.equals(Pmp.WELL_KNOWN_PATH)) {
            Map<String, String> headers = cacheControl() == null ? Map.of() : Map.of("Cache-Control", cacheControl());
            return new Reply(200, Pmp.MEDIA_TYPE_JSON, discoveryDocument(), headers);
        }
        if (method.equals("POST") && path.equals("/api/v1/auth/token")) {
            TokenRequest login = read(body, TokenRequest.class);
            if (!account.equals(login.address()) || !PASSWORD.equals(login.password())) {
                throw new Refusal(401, "unauthorized", "wrong address or password");
            }
            return Reply.json(200, new TokenAnswer(accessToken, "Bearer"));
        }
        if (path.startsWith("/api/v1/outbox/messages")) {
            if (!("Bearer " + accessToken).equals(view.firstHeader("Authorization"))) {
                throw new Refusal(401, "unauthorized", "log in first");
            }
            if (method.equals("POST")) {
                return Reply.json(201, new SentMessage(send(read(body, SendRequest.class))));
            }
            Message m = messages.get(path.substring(path.lastIndexOf('/') + 1));
            if (method.equals("DELETE") && m != null) {
                m.recalled = true;
                return Reply.json(200, new SentMessage(m.id));
            }
            throw new Refusal(404, "not-found", "no such message");
        }
        if (method.equals("POST") && path.equals(Pmp.NOTIFY_PATH)) {
            return notification(view, body);
        }
        if (path.startsWith(Pmp.FETCH_PATH + "/")) {
            String rest = path.substring(Pmp.FETCH_PATH.length() + 1);
            boolean status = method.equals("POST") && rest.endsWith("/status");
            Message m = messages.get(status ? rest.substring(0, rest.length() - "/status".length()) : rest);
            return status ? status(m, view, body) : fetch(m, view);
        }
        throw new Refusal(404, "not-found", "nothing here");
    }

    private String send(SendRequest request) {
        String id = UUID.randomUUID().toString();
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        String text = "From: " + account + "\r\nTo: " + String.join(", ", request.to()) + "\r\nSubject: "
                + request.subject() + "\r\nMessage-ID: <" + id + "@" + domain + ">\r\n\r\n" + request.text() + "\r\n";
        Message m = new Message(id, text.getBytes(StandardCharsets.UTF_8), now);
        for (String to : request.to()) {
            String token = NotificationChecks.token();
            m.byToken.put(token, new Delivery(to, token));
        }
        messages.put(id, m);
        threads.execute(() -> announce(m));
        return id;
    }

    /** Sends the notification of {@code m} to its recipients' domain, signed by this domain. */
    private void announce(Message m) {
        List<Notification.Recipient> recipients = new ArrayList<>();
        m.byToken.values().forEach(d -> recipients.add(new Notification.Recipient(d.address, d.token)));
        String recipientDomain = Addresses.domainOf(recipients.get(0).address());
        Notification n = new Notification(m.id, account, recipients, "stub", m.bytes.length,
                ContentDigest.sha256(m.bytes), fetchBase() + m.id, m.sentAt, m.sentAt.plus(Duration.ofDays(7)));
        byte[] body = PmpJson.write(n);
        try {
            URI notifyUrl = URI.create(discovery.discover(recipientDomain).notifyUrl());
            HttpRequestView view = new HttpRequestView("POST", notifyUrl)
                    .header("Content-Type", Pmp.MEDIA_TYPE_JSON).header("Content-Digest", ContentDigest.sha256(body));
            HttpSignatures.SignatureFields signature = new PmpSigner(key, clock).sign(view, SignatureProfile.NOTIFICATION);
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(notifyUrl)
                    .header("Content-Type", Pmp.MEDIA_TYPE_JSON).header("Content-Digest", ContentDigest.sha256(body))
                    .header(HttpSignatures.SIGNATURE_INPUT, signature.signatureInput())
                    .header(HttpSignatures.SIGNATURE, signature.signature())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() == 200) {
                m.byToken.values().forEach(d -> d.state = d.state == State.QUEUED ? State.NOTIFIED : d.state);
            }
        } catch (ProtocolException | IOException e) {
            // the notification is lost; the kit reports that none arrived
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static <T> T read(byte[] body, Class<T> type) throws Refusal {
        try {
            return PmpJson.read(body, type, ProblemType.MALFORMED_REQUEST);
        } catch (ProtocolException e) {
            throw new Refusal(e);
        }
    }

    /** 200 with the message, as section 4.3 prescribes. */
    static Reply message(Message m) {
        return new Reply(200, Pmp.MEDIA_TYPE_MESSAGE, m.bytes,
                Map.of("Content-Digest", ContentDigest.sha256(m.bytes), "Cache-Control", "no-store"));
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
