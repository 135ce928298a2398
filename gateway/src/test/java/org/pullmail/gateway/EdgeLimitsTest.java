package org.pullmail.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's own limits, against a stand-in for the services behind it: event streams that hold no
 * thread and are capped per account, slow bodies cut off at a deadline, connections capped per address, failed
 * logins throttled, revoked tokens refused at once, metrics and API documents not public.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "server.jetty.threads.max=16",
        "pullmail.gateway.streams.per-account=5",
        "pullmail.gateway.edge.body-deadline=PT2S",
        "pullmail.gateway.edge.max-connections-per-address=12",
        "pullmail.gateway.login.account-failures=3",
        "pullmail.gateway.login.address-failures=6" })
class EdgeLimitsTest {

    static final String PASSWORD = "edge-test-password";
    static final int USERS = 8;
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** The services behind the gateway: answers provisioning, and serves event streams with a heartbeat. */
    static final HttpServer services;
    static final AtomicInteger openUpstreamStreams = new AtomicInteger();

    static {
        try {
            services = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        services.setExecutor(Executors.newCachedThreadPool());
        services.createContext("/", exchange -> {
            try (exchange) {
                if (exchange.getRequestURI().getPath().equals("/api/v1/inbox/events")) {
                    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                    exchange.sendResponseHeaders(200, 0);
                    openUpstreamStreams.incrementAndGet();
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(": hello\n\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        for (int i = 0; i < 600; i++) { // bounded: at most 60 s
                            Thread.sleep(100);
                            out.write(": heartbeat\n\n".getBytes(StandardCharsets.UTF_8));
                            out.flush();
                        }
                    } catch (IOException | InterruptedException gone) {
                        // the gateway let go of the stream
                    } finally {
                        openUpstreamStreams.decrementAndGet();
                    }
                    return;
                }
                byte[] received = exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                String path = exchange.getRequestURI().getPath();
                if (path.startsWith("/internal/v1/mailboxes/") || path.startsWith("/internal/v1/senders/")) {
                    // the provisioning contract: the account's mailbox and sender exist
                    byte[] provisioned = JSON.writeValueAsBytes(Map.of("address",
                            path.substring(path.lastIndexOf('/') + 1), "created", true,
                            "created_at", Instant.now().toString()));
                    exchange.sendResponseHeaders(200, provisioned.length);
                    exchange.getResponseBody().write(provisioned);
                    return;
                }
                // what arrived, so that a test sees the gateway pass it on unchanged (PMP/1 signatures cover it)
                byte[] body = JSON.writeValueAsBytes(Map.of("content_type",
                        String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")),
                        "body", new String(received, StandardCharsets.UTF_8),
                        "client", String.valueOf(exchange.getRequestHeaders().get("X-Pullmail-Client")),
                        "target", exchange.getRequestMethod() + " " + exchange.getRequestURI(),
                        "authorization", String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"))));
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        services.start();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "gateway_edge_test");
        String url = "http://127.0.0.1:" + services.getAddress().getPort();
        registry.add("pullmail.gateway.inbox-url", () -> url);
        registry.add("pullmail.gateway.outbox-url", () -> url);
        registry.add("pullmail.gateway.notifier-url", () -> url);
        for (int i = 0; i < USERS; i++) {
            int n = i;
            registry.add("pullmail.gateway.accounts[" + i + "].address", () -> "user" + n + "@alpha.test");
            registry.add("pullmail.gateway.accounts[" + i + "].password", () -> PASSWORD);
        }
        for (String who : List.of("admin", "guesser", "revoked")) {
            int i = USERS + List.of("admin", "guesser", "revoked").indexOf(who);
            registry.add("pullmail.gateway.accounts[" + i + "].address", () -> who + "@alpha.test");
            registry.add("pullmail.gateway.accounts[" + i + "].password", () -> PASSWORD);
            registry.add("pullmail.gateway.accounts[" + i + "].admin", () -> "true");
        }
    }

    @AfterAll
    static void stopServices() {
        services.stop(0);
    }

    @LocalServerPort
    int port;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void eventStreamsHoldNoThreadAreCappedPerAccountAndFreeTheirSlotWhenTheClientHangsUp() throws Exception {
        // 8 accounts x 5 streams: 40 open streams, against a gateway of 16 threads
        List<Socket> streams = new ArrayList<>();
        try {
            for (int u = 0; u < USERS; u++) {
                String token = login("user" + u + "@alpha.test", PASSWORD);
                for (int s = 0; s < 5; s++) {
                    Socket stream = openStream(token, "127.0.0." + (10 + u));
                    assertThat(statusLine(stream)).contains(" 200 ");
                    streams.add(stream);
                }
                // the sixth is refused, with a problem and Retry-After
                try (Socket sixth = openStream(token, "127.0.0." + (10 + u))) {
                    String head = head(sixth);
                    assertThat(head).contains(" 429 ").containsIgnoringCase("Retry-After: 10")
                            .containsIgnoringCase("application/problem+json");
                }
            }
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> openUpstreamStreams.get() == 40);

            // the rest of the gateway answers at once although more streams are open than it has threads
            for (int i = 0; i < 20; i++) {
                long start = System.nanoTime();
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(url("/actuator/health/readiness"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
                String token = login("user0@alpha.test", PASSWORD);
                HttpResponse<String> api = http.send(HttpRequest.newBuilder(url("/api/v1/inbox/requests"))
                        .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(api.statusCode()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            }

            // user0 hangs up its five streams: the gateway notices (at the next heartbeat) and frees the slots
            for (Socket stream : streams.subList(0, 5)) {
                stream.close();
            }
            String token = login("user0@alpha.test", PASSWORD);
            Awaitility.await("user0's slots are free again").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(200)).until(() -> {
                        Socket again = openStream(token, "127.0.0.10");
                        if (statusLine(again).contains(" 200 ")) {
                            streams.add(again);
                            return true;
                        }
                        again.close();
                        return false;
                    });
        } finally {
            for (Socket stream : streams) {
                stream.close();
            }
        }
        Awaitility.await("the gateway lets go of the inbox's streams").atMost(Duration.ofSeconds(10))
                .until(() -> openUpstreamStreams.get() == 0);
    }

    @Test
    void pmpRequestsGoPastTheServletStackToTheirServiceWithTheClientsAddress() throws Exception {
        try (Socket socket = connect("127.0.5.1")) {
            socket.setSoTimeout(5000);
            String body = "{\"id\":\"n1\"}";
            socket.getOutputStream().write(("POST /pmp/v1/notifications HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: application/json\r\nX-Pullmail-Client: 6.6.6.6\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            String head = head(socket);
            assertThat(head).startsWith("HTTP/1.1 200 ");
            assertThat(head.split("(?i)\r\ndate:", -1)).as("one Date header, the edge's: " + head).hasSize(2);
            Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
            assertThat(length.find()).as(head).isTrue();
            JsonNode echoed = JSON.readTree(socket.getInputStream()
                    .readNBytes(Integer.parseInt(length.group(1))));
            assertThat(echoed.get("target").asString()).isEqualTo("POST /pmp/v1/notifications");
            assertThat(echoed.get("body").asString()).isEqualTo(body);
            assertThat(echoed.get("content_type").asString()).isEqualTo("application/json");
            assertThat(echoed.get("client").asString()).as("the edge states the address, whatever the client says")
                    .isEqualTo("[127.0.5.1]");
        }
        // a fetch keeps its path, query and capability; the discovery document goes to its service too
        HttpResponse<String> fetch = http.send(HttpRequest.newBuilder(url("/pmp/v1/messages/0a1b?x=1"))
                .header("Authorization", "PMP-Capability t0k3n").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(fetch.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(fetch.body()).get("target").asString()).isEqualTo("GET /pmp/v1/messages/0a1b?x=1");
        assertThat(JSON.readTree(fetch.body()).get("authorization").asString()).isEqualTo("PMP-Capability t0k3n");
        HttpResponse<String> discovery = http.send(HttpRequest.newBuilder(url("/.well-known/pullmail")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(discovery.body()).get("target").asString()).isEqualTo("GET /.well-known/pullmail");
        // the edge refuses what the services would, first: the media type, then the size
        HttpResponse<String> text = http.send(HttpRequest.newBuilder(url("/pmp/v1/notifications"))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(text.statusCode()).isEqualTo(415);
        assertThat(text.body()).contains("unsupported-media-type");
        HttpResponse<String> large = http.send(HttpRequest.newBuilder(url("/pmp/v1/notifications"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("x".repeat(5000)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(large.statusCode()).isEqualTo(413);
        assertThat(large.body()).contains("too-large");
        // other PMP/1-looking paths are not proxied anywhere
        assertThat(http.send(HttpRequest.newBuilder(url("/pmp/v1/other")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    }

    @Test
    void aBodyThatTricklesIsCutOffAtTheDeadlineAndOthersAreServedMeanwhile() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            // 40 clients announce 4,000-byte notifications and send one byte now and then, from 40 addresses
            for (int i = 0; i < 40; i++) {
                Socket socket = connect("127.0.1." + (i + 1));
                socket.getOutputStream().write(("POST /pmp/v1/notifications HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{")
                        .getBytes(StandardCharsets.US_ASCII));
                slow.add(socket);
            }
            long start = System.nanoTime();
            // a notification that arrives whole is handled meanwhile (the stand-in answers it)
            HttpResponse<String> whole = http.send(HttpRequest.newBuilder(url("/pmp/v1/notifications"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(5))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"x\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(whole.statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
            assertThat(JSON.readTree(whole.body()).get("content_type").asString()).isEqualTo("application/json");
            assertThat(JSON.readTree(whole.body()).get("body").asString()).isEqualTo("{\"id\":\"x\"}");

            Thread.sleep(1000);
            for (Socket socket : slow) {
                socket.getOutputStream().write('"'); // a byte a second is still a trickle
            }
            // every trickle is answered 408 at the 2 s deadline, and its connection closed
            for (Socket socket : slow) {
                socket.setSoTimeout(5000);
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(answer).startsWith("HTTP/1.1 408 ").contains("application/problem+json");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
    }

    @Test
    void aChunkedUploadLargerThanTheBufferThatArrivesInPiecesIsPassedOnWhole() throws Exception {
        // the body outgrows the edge's buffer while it is being read in Jetty's demand callback: the rest must
        // still be read (the servlet that reads on may not wait inside that callback for the next one)
        String token = login("user3@alpha.test", PASSWORD);
        try (Socket socket = connect("127.0.4.2")) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/outbox/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n"
                    + "Content-Type: message/rfc822\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int pieces = 20;
            byte[] piece = "y".repeat(16 * 1024).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < pieces; i++) {
                Thread.sleep(20);
                out.write((Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(piece);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = head(socket);
            assertThat(head).startsWith("HTTP/1.1 200 ");
            Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
            assertThat(length.find()).as(head).isTrue();
            byte[] echoed = socket.getInputStream().readNBytes(Integer.parseInt(length.group(1)));
            assertThat(JSON.readTree(echoed).get("body").asString()).hasSize(pieces * piece.length);
        }
    }

    @Test
    void anUploadThatFallsBehindTheMinimumRateIsCutOff() throws Exception {
        String token = login("user2@alpha.test", PASSWORD);
        try (Socket socket = connect("127.0.4.1")) {
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/outbox/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n"
                    + "Content-Type: message/rfc822\r\nContent-Length: 100000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[8192]); // a good start, then a byte a second
            long start = System.nanoTime();
            String answer = "";
            for (int i = 0; i < 10 && answer.isEmpty(); i++) {
                try {
                    out.write('x');
                    answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                } catch (SocketTimeoutException nothingYet) {
                    // the next byte
                } catch (IOException cutOff) {
                    break;
                }
            }
            assertThat(answer).startsWith("HTTP/1.1 408 ").contains("request-timeout");
            // the 2 s deadline, then 4 KiB/s owed: 8 KiB last until about 4 s
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        }
    }

    @Test
    void anAddressMayHoldOnlySoManyConnections() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                held.add(connect("127.0.2.1"));
            }
            Thread.sleep(300);
            try (Socket over = connect("127.0.2.1")) {
                over.setSoTimeout(3000);
                over.getOutputStream().write("GET /actuator/health HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(readOrClosed(over.getInputStream())).as("the 13th connection is closed unanswered").isEmpty();
            } catch (SocketException reset) {
                // closed as it was accepted
            }
            // another address is served
            try (Socket other = connect("127.0.2.2")) {
                other.getOutputStream().write("GET /actuator/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                other.setSoTimeout(3000);
                assertThat(new String(other.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .startsWith("HTTP/1.1 200 ");
            }
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
        // the count is given back as they close
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            try (Socket again = connect("127.0.2.1")) {
                again.getOutputStream().write("GET /actuator/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                again.setSoTimeout(3000);
                assertThat(new String(again.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .startsWith("HTTP/1.1 200 ");
            }
        });
    }

    @Test
    void failedLoginsAreThrottledPerAccountAndPerAddress() throws Exception {
        // per account at one address: three wrong passwords, then even the right one waits there ...
        for (int i = 0; i < 3; i++) {
            assertThat(rawLogin("127.0.3.1", "guesser@alpha.test", "wrong-" + i)).startsWith("HTTP/1.1 401 ");
        }
        String throttled = rawLogin("127.0.3.1", "guesser@alpha.test", PASSWORD);
        assertThat(throttled).startsWith("HTTP/1.1 429 ").containsIgnoringCase("Retry-After: ")
                .contains("too-many-logins");
        long retryAfter = Long.parseLong(throttled.replaceAll("(?is).*retry-after: *(\\d+).*", "$1"));
        assertThat(retryAfter).isBetween(1L, 15L * 60);
        // ... but the account's owner, elsewhere, is not locked out by someone else's guessing
        assertThat(rawLogin("127.0.3.2", "guesser@alpha.test", PASSWORD)).startsWith("HTTP/1.1 200 ");

        // per account over all addresses: ten times the allowance of one, however many addresses guess
        for (int i = 0; i < 27; i++) {
            assertThat(rawLogin("127.0.4." + i, "guesser@alpha.test", "wrong")).startsWith("HTTP/1.1 401 ");
        }
        assertThat(rawLogin("127.0.4.200", "guesser@alpha.test", PASSWORD)).startsWith("HTTP/1.1 429 ");

        // per address: six failures over any accounts, then this address waits, and others do not
        for (int i = 0; i < 6; i++) {
            assertThat(rawLogin("127.0.3.3", "nobody" + i + "@alpha.test", "wrong")).startsWith("HTTP/1.1 401 ");
        }
        assertThat(rawLogin("127.0.3.3", "user1@alpha.test", PASSWORD)).startsWith("HTTP/1.1 429 ")
                .containsIgnoringCase("Retry-After: ");
        assertThat(rawLogin("127.0.3.4", "user1@alpha.test", PASSWORD)).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void aDisabledAccountsTokenIsRefusedAtOnceAndStaysRefusedWhenEnabledAgain() throws Exception {
        String admin = login("admin@alpha.test", PASSWORD);
        String revoked = login("revoked@alpha.test", PASSWORD);
        assertThat(get("/api/v1/admin/accounts", revoked).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/inbox/requests", revoked).statusCode()).isEqualTo(200);

        assertThat(put("/api/v1/admin/accounts/revoked@alpha.test/disabled", admin, "{\"disabled\":true}").statusCode())
                .isEqualTo(200);
        assertThat(get("/api/v1/admin/accounts", revoked).statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/inbox/requests", revoked).statusCode()).isEqualTo(401);

        assertThat(put("/api/v1/admin/accounts/revoked@alpha.test/disabled", admin, "{\"disabled\":false}").statusCode())
                .isEqualTo(200);
        assertThat(get("/api/v1/inbox/requests", revoked).statusCode()).as("the old token stays revoked").isEqualTo(401);
        // a new login works again (once the second of the revocation has passed: tokens carry whole seconds)
        Awaitility.await("a new token works").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> get("/api/v1/inbox/requests", login("revoked@alpha.test", PASSWORD)).statusCode() == 200);
    }

    @Test
    void metricsAndApiDocumentsAreNotPublic() throws Exception {
        assertThat(get("/actuator/prometheus", null).statusCode()).isEqualTo(401);
        HttpResponse<String> metrics = get("/actuator/prometheus", login("admin@alpha.test", PASSWORD));
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
        assertThat(get("/livez", null).statusCode()).isEqualTo(200);

        // pullmail.gateway.api-docs is off unless the operator turns it on
        for (String path : List.of("/v3/api-docs/gateway", "/v3/api-docs/inbox", "/admin/api",
                "/admin/swagger-ui/index.html", "/swagger-ui/index.html")) {
            assertThat(get(path, null).statusCode()).as(path).isEqualTo(404);
        }
    }

    private String login(String address, String password) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(url("/api/v1/auth/token"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                        Map.of("address", address, "password", password)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).get("access_token").asString();
    }

    /** A login from a chosen loopback address; answers the whole response. */
    private String rawLogin(String from, String address, String password) throws Exception {
        byte[] body = JSON.writeValueAsBytes(Map.of("address", address, "password", password));
        try (Socket socket = connect(from)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(5));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> put(String path, String token, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(url(path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private Socket openStream(String token, String from) throws IOException {
        Socket socket = connect(from);
        socket.setSoTimeout(5000);
        socket.getOutputStream().write(("GET /api/v1/inbox/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
                + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    private static String statusLine(Socket socket) throws IOException {
        StringBuilder line = new StringBuilder();
        InputStream in = socket.getInputStream();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            line.append((char) c);
        }
        return line.toString();
    }

    /** The status line and headers of a response. */
    private static String head(Socket socket) throws IOException {
        StringBuilder head = new StringBuilder();
        InputStream in = socket.getInputStream();
        for (int c = in.read(); c != -1; c = in.read()) {
            head.append((char) c);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        return head.toString();
    }

    private static String readOrClosed(InputStream in) throws IOException {
        try {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (SocketException reset) {
            return "";
        }
    }

    private Socket connect(String from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
        return socket;
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
