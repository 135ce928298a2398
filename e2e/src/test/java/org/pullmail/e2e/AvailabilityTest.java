package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.testing.PeerDomains;

/**
 * Nobody else's traffic stalls a domain (issue 13, items 2, 3 and 9): one account's hundred event streams, or
 * eighty clients that trickle their bodies, leave discovery, PMP/1 intake, the API and the dashboard answering;
 * a disabled account's token and streams end at once; metrics are not public.
 *
 * <p>Its own domain, so that the gateway can be given fewer request threads (24) than there are open streams,
 * the inbox a heartbeat of 1 s, and the edge a body deadline of 6 s and 16 connections per address.
 */
class AvailabilityTest {

    static final String PASSWORD = "availability-0042";
    static final String DOMAIN = "availability.test";
    static final int STREAMING_USERS = 8;
    static final Duration PROMPT = Duration.ofSeconds(3);

    static PeerDomains peers;
    static PeerDomains.Peer gamma;
    static Domain domain;
    static final ExecutorService clients = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() throws Exception {
        peers = new PeerDomains("gamma.test");
        gamma = peers.peer("gamma.test");
        List<String> accounts = new ArrayList<>(List.of("ivy@" + DOMAIN, "admin@" + DOMAIN + ":admin"));
        for (int i = 0; i < STREAMING_USERS; i++) {
            accounts.add("user" + i + "@" + DOMAIN);
        }
        domain = new Domain(DOMAIN, Map.of("gamma.test", gamma.base()), accounts, PASSWORD);
        domain.addArgs("gateway", "--server.jetty.threads.max=24", "--pullmail.gateway.edge.body-deadline=PT6S",
                "--pullmail.gateway.edge.max-connections-per-address=16");
        domain.addArgs("inbox-service", "--pullmail.inbox.events.heartbeat=PT1S");
        peers.knowDomains(Map.of(DOMAIN, domain.url()));
        domain.startAll();
        domain.awaitReady(Duration.ofMinutes(3));
    }

    @AfterAll
    static void stop() throws Exception {
        clients.shutdownNow();
        if (domain != null) {
            domain.close();
        }
        if (peers != null) {
            peers.close();
        }
    }

    @Test
    void oneAccountsHundredEventStreamsLeaveTheDomainAnswering() throws Exception {
        Api ivy = Api.login(domain, "ivy@" + DOMAIN, PASSWORD);
        List<Socket> open = new ArrayList<>();
        try {
            // a hundred streams of one account: five open, the other 95 are told to come back later
            int refused = 0;
            for (int i = 0; i < 100; i++) {
                Socket stream = openStream(ivy.token(), "127.0.0.1");
                String head = head(stream);
                if (head.startsWith("HTTP/1.1 200 ")) {
                    assertThat(head).containsIgnoringCase("Content-Type: text/event-stream");
                    open.add(stream);
                } else {
                    assertThat(head).startsWith("HTTP/1.1 429 ").containsIgnoringCase("Retry-After: ")
                            .containsIgnoringCase("application/problem+json");
                    refused++;
                    stream.close();
                }
            }
            assertThat(open).hasSize(5);
            assertThat(refused).isEqualTo(95);

            // and more open streams than the gateway has request threads (24): other users' five each
            for (int u = 0; u < STREAMING_USERS; u++) {
                Api user = Api.login(domain, "user" + u + "@" + DOMAIN, PASSWORD);
                for (int s = 0; s < 5; s++) {
                    Socket stream = openStream(user.token(), "127.0.0." + (20 + u));
                    assertThat(head(stream)).startsWith("HTTP/1.1 200 ");
                    open.add(stream);
                }
            }

            // the inbox's heartbeat comes through every stream
            assertThat(readUntil(open.get(0), ":heartbeat", Duration.ofSeconds(5))).isTrue();

            // the rest of the domain answers promptly: discovery, PMP/1 intake, the API, the dashboard
            for (int round = 0; round < 3; round++) {
                assertPrompt("discovery", () -> Api.send(HttpRequest.newBuilder(
                        URI.create(domain.url() + "/.well-known/pullmail")).GET()).status(), 200);
                assertPrompt("a notification", () -> notify("ivy@" + DOMAIN).status(), 200);
                assertPrompt("the API", () -> ivy.get("/api/v1/inbox/requests").status(), 200);
                assertPrompt("the dashboard", () -> Api.send(HttpRequest.newBuilder(
                        URI.create(domain.url() + "/admin/")).GET()).status(), 200);
            }

            // the client hangs up its five streams: the heartbeat finds them gone, and the slots are free again
            for (Socket stream : open.subList(0, 5)) {
                stream.close();
            }
            await("ivy's slots are given back").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        Socket again = openStream(ivy.token(), "127.0.0.1");
                        if (head(again).startsWith("HTTP/1.1 200 ")) {
                            open.add(again);
                            return true;
                        }
                        again.close();
                        return false;
                    });
        } finally {
            for (Socket stream : open) {
                stream.close();
            }
        }
    }

    @Test
    void eightyClientsTricklingNotificationsDoNotHoldUpALegitimateOne() throws Exception {
        List<Future<String>> slow = new ArrayList<>();
        long start = System.nanoTime();
        // 30 slow clients from one address (16 are let in), 50 from addresses of their own
        for (int i = 0; i < 80; i++) {
            String from = i < 30 ? "127.0.0.2" : "127.0.0." + (100 + i);
            slow.add(clients.submit(trickle(from)));
        }
        Thread.sleep(1500); // all of them connected, headers sent, a byte or two of the body

        long notified = System.nanoTime();
        Api.Response legitimate = notify("ivy@" + DOMAIN);
        assertThat(legitimate.status()).as(legitimate.text()).isEqualTo(200);
        assertThat(legitimate.text()).contains("\"outcome\":\"accepted\"");
        assertThat(Duration.ofNanos(System.nanoTime() - notified)).isLessThan(PROMPT);

        int timedOut = 0;
        int closedAtOnce = 0;
        for (Future<String> client : slow) {
            String outcome = client.get(30, TimeUnit.SECONDS);
            if (outcome.startsWith("HTTP/1.1 408 ")) {
                timedOut++;
            } else {
                assertThat(outcome).as("a slow client is either answered 408 or not let in").isEqualTo("closed at once");
                closedAtOnce++;
            }
        }
        assertThat(timedOut).isEqualTo(16 + 50);
        assertThat(closedAtOnce).isEqualTo(14);
        // the deadline is 6 s after the headers, however steadily the bytes come
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void aDisabledAccountsTokenAndStreamsEndAtOnce() throws Exception {
        Api admin = Api.login(domain, "admin@" + DOMAIN, PASSWORD);
        Api user = Api.login(domain, "user7@" + DOMAIN, PASSWORD);
        assertThat(user.get("/api/v1/inbox/requests").status()).isEqualTo(200);
        try (Socket stream = openStream(user.token(), "127.0.0.1")) {
            assertThat(head(stream)).startsWith("HTTP/1.1 200 ");
            assertThat(admin.putJson("/api/v1/admin/accounts/user7@" + DOMAIN + "/disabled",
                    Map.of("disabled", true)).status()).isEqualTo(200);
            assertThat(user.get("/api/v1/inbox/requests").status()).isEqualTo(401);
            assertThat(user.get("/api/v1/outbox/messages").status()).isEqualTo(401);
            // the open stream ends too
            stream.setSoTimeout(5000);
            assertThat(readUntil(stream, null, Duration.ofSeconds(5))).as("the stream is closed").isTrue();
        } finally {
            admin.putJson("/api/v1/admin/accounts/user7@" + DOMAIN + "/disabled", Map.of("disabled", false));
        }
        assertThat(user.get("/api/v1/inbox/requests").status()).as("enabled again, the old token stays revoked")
                .isEqualTo(401);
    }

    @Test
    void metricsAreNotPublicOnTheGatewaysPort() throws Exception {
        assertThat(Api.send(HttpRequest.newBuilder(URI.create(domain.url() + "/actuator/prometheus")).GET()).status())
                .isEqualTo(401);
        Api ivy = Api.login(domain, "ivy@" + DOMAIN, PASSWORD);
        assertThat(ivy.get("/actuator/prometheus").status()).isEqualTo(403);
        Api admin = Api.login(domain, "admin@" + DOMAIN, PASSWORD);
        assertThat(admin.get("/actuator/prometheus").text()).contains("http_server_requests");
    }

    /** A signed notification from gamma.test to a local user, through the gateway. */
    static Api.Response notify(String recipient) throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String id = UUID.randomUUID().toString();
        byte[] body = PmpJson.write(new Notification(id, "sender@gamma.test",
                List.of(new Notification.Recipient(recipient, "A".repeat(43))), "Still here " + id, 100,
                ContentDigest.sha256("x".getBytes(StandardCharsets.UTF_8)), gamma.base() + Pmp.FETCH_PATH + "/" + id,
                now, now.plus(Duration.ofDays(1))));
        return Api.send(gamma.signed("POST", URI.create(domain.url() + Pmp.NOTIFY_PATH), body,
                SignatureProfile.NOTIFICATION, Map.of("Content-Type", "application/json"), gamma.signer()));
    }

    /** One slow client: announces a 4,000-byte notification and sends a byte every 4 s; answers how it ended. */
    static Callable<String> trickle(String from) {
        return () -> {
            try (Socket socket = connect(from)) {
                socket.setSoTimeout(4000);
                socket.getOutputStream().write(("POST " + Pmp.NOTIFY_PATH + " HTTP/1.1\r\nHost: " + DOMAIN + "\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                long until = System.nanoTime() + Duration.ofSeconds(24).toNanos(); // bounded
                for (int sent = 0; System.nanoTime() < until; sent++) {
                    try {
                        socket.getOutputStream().write('{');
                        socket.getOutputStream().flush();
                    } catch (IOException refused) {
                        return sent == 0 ? "closed at once" : "closed while trickling";
                    }
                    try {
                        String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                        return answer.isEmpty() && sent == 0 ? "closed at once" : answer;
                    } catch (SocketTimeoutException nothingYet) {
                        // the next byte, 4 s later
                    } catch (SocketException reset) {
                        return sent == 0 ? "closed at once" : "reset while trickling";
                    }
                }
                return "never cut off";
            } catch (SocketException refused) {
                return "closed at once";
            }
        };
    }

    static void assertPrompt(String what, Callable<Integer> call, int expected) throws Exception {
        long start = System.nanoTime();
        assertThat(call.call()).as(what).isEqualTo(expected);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as(what + " answers promptly").isLessThan(PROMPT);
    }

    static Socket openStream(String token, String from) throws IOException {
        Socket socket = connect(from);
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("GET /api/v1/inbox/events HTTP/1.1\r\nHost: " + DOMAIN + "\r\n"
                + "Accept: text/event-stream\r\nAuthorization: Bearer " + token + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    /** The status line and headers of a response. */
    static String head(Socket socket) throws IOException {
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

    /** Reads a stream until {@code text} comes (or, for {@code null}, until the response ends), within a time. */
    static boolean readUntil(Socket socket, String text, Duration within) throws IOException {
        long until = System.nanoTime() + within.toNanos();
        StringBuilder seen = new StringBuilder();
        InputStream in = socket.getInputStream();
        while (System.nanoTime() < until) {
            int c;
            try {
                c = in.read();
            } catch (SocketTimeoutException | SocketException ended) {
                return text == null && !(ended instanceof SocketTimeoutException);
            }
            if (c == -1) {
                return text == null;
            }
            seen.append((char) c);
            if (text != null ? seen.indexOf(text) >= 0 : seen.toString().endsWith("\r\n0\r\n\r\n")) {
                return true; // what was looked for, or the last chunk of the response
            }
        }
        return false;
    }

    static Socket connect(String from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                URI.create(domain.url()).getPort()), 5000);
        return socket;
    }
}
