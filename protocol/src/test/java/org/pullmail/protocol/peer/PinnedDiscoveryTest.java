package org.pullmail.protocol.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.jwk.JWKSet;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.http.Ed25519Keys;
import org.pullmail.protocol.json.PmpJson;

/** Discovery through {@link PeerClient}: deadline, origins of static entries, checked addresses. */
class PinnedDiscoveryTest {

    static String document(String domain, String notifyUrl, String fetchBase) {
        return PmpJson.writeString(DiscoveryDocument.of(domain, URI.create(notifyUrl), URI.create(fetchBase),
                new JWKSet(Ed25519Keys.generate(domain + "/k").toPublicJWK())));
    }

    static void assertDiscoveryFails(DiscoveryClient discovery, String domain, String detail) {
        assertThatThrownBy(() -> discovery.discover(domain)).isInstanceOfSatisfying(ProtocolException.class, e -> {
            assertThat(e.type()).isEqualTo(ProblemType.DISCOVERY_FAILED);
            assertThat(e.detail()).contains(detail);
        });
    }

    @Test
    void aStaticEntryTrustsItsOwnOriginNotWhereTheFetchedDocumentPoints() throws Exception {
        // the document names another port of the same host: an internal service, say
        try (SlowServer served = new SlowServer(SlowServer.json(document("partner.test",
                "http://127.0.0.1:8081/pmp/v1/notifications", "http://127.0.0.1:8081/pmp/v1/messages/")),
                Integer.MAX_VALUE, Duration.ZERO)) {
            String origin = "http://127.0.0.1:" + served.port();
            DiscoveryClient discovery = new DiscoveryClient(Clock.systemUTC(), Map.of("partner.test", URI.create(origin)),
                    false);
            assertDiscoveryFails(discovery, "partner.test", "must lie on " + origin);
        }
    }

    @Test
    void aStaticEntryOnItsOwnOriginIsDiscovered() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String origin = "http://127.0.0.1:" + port;
        // the server must answer with its own origin: bind it to the port the document names
        try (SlowServer served = SlowServer.onPort(port, SlowServer.json(document("partner.test",
                origin + "/pmp/v1/notifications", origin + "/pmp/v1/messages/")))) {
            DiscoveryClient discovery = new DiscoveryClient(Clock.systemUTC(), Map.of("partner.test", URI.create(origin)),
                    false);
            assertThat(discovery.discover("partner.test").notifyUrl()).isEqualTo(origin + "/pmp/v1/notifications");
            assertThat(served.requests.get(0)).startsWith("GET /.well-known/pullmail HTTP/1.1");
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aTrickledDiscoveryDocumentFailsAtTheDeadline() throws Exception {
        String answer = SlowServer.json(document("slow.test", "https://slow.test/n", "https://slow.test/m/"));
        try (SlowServer slow = new SlowServer(answer, 80, Duration.ofSeconds(1));
                PeerClient http = PeerClient.builder().deadline(Duration.ofSeconds(2))
                        .policy(new PeerPolicy(Map.of("slow.test", URI.create("http://127.0.0.1:" + slow.port())), false))
                        .build()) {
            long started = System.nanoTime();
            // (the caller waits longer than the exchange may last here, to see the exchange end)
            assertDiscoveryFails(new DiscoveryClient(http, Clock.systemUTC(), Duration.ofSeconds(10)), "slow.test",
                    "did not finish within");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aSlowDomainHoldsEachCallerOnlyBrieflyIsAskedOnceAndIsKnownWhenItAnswers() throws Exception {
        int port = freePort();
        String origin = "http://127.0.0.1:" + port;
        String answer = SlowServer.json(document("slow.test", origin + "/pmp/v1/notifications", origin + "/pmp/v1/messages/"));
        // the document trickles in over about 3 s, within the exchange's deadline of 10 s
        int fast = answer.length() - 30;
        try (SlowServer slow = SlowServer.onPort(port, answer, fast, Duration.ofMillis(100));
                PeerClient http = PeerClient.builder().deadline(Duration.ofSeconds(10))
                        .policy(new PeerPolicy(Map.of("slow.test", URI.create(origin)), false)).build()) {
            DiscoveryClient discovery = new DiscoveryClient(http, Clock.systemUTC(), Duration.ofMillis(300));
            List<Future<Long>> callers = new ArrayList<>();
            ExecutorService threads = Executors.newFixedThreadPool(10);
            try {
                for (int i = 0; i < 10; i++) {
                    callers.add(threads.submit(() -> {
                        long started = System.nanoTime();
                        assertThatThrownBy(() -> discovery.discover("slow.test"))
                                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                                    assertThat(e.type()).isEqualTo(ProblemType.DISCOVERY_FAILED);
                                    assertThat(e.detail()).contains("under way");
                                    assertThat(e.retryAfter()).isPositive();
                                });
                        return System.nanoTime() - started;
                    }));
                }
                for (var caller : callers) {
                    assertThat(Duration.ofNanos(caller.get())).as("a caller waits about 300 ms, not the 3 s")
                            .isLessThan(Duration.ofMillis(1500));
                }
            } finally {
                threads.shutdownNow();
            }
            assertThat(slow.requests).as("ten callers, one discovery").hasSize(1);
            // the discovery went on: once the document is in, the peer's retry finds it
            DiscoveryDocument found = Awaitility.await("the retry finds the document")
                    .atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptionsMatching(e -> e instanceof ProtocolException p && p.detail().contains("under way"))
                    .until(() -> discovery.discover("slow.test"), Objects::nonNull);
            assertThat(found.notifyUrl()).isEqualTo(origin + "/pmp/v1/notifications");
            assertThat(slow.requests).hasSize(1);
        }
    }

    @Test
    void aFailedDiscoveryIsRememberedForAWhileAndNotRepeated() throws Exception {
        try (SlowServer broken = new SlowServer("HTTP/1.1 500 Server Error\r\nContent-Length: 0\r\n\r\n",
                Integer.MAX_VALUE, Duration.ZERO);
                PeerClient http = PeerClient.builder().policy(new PeerPolicy(
                        Map.of("broken.test", URI.create("http://127.0.0.1:" + broken.port())), false)).build()) {
            DiscoveryClient discovery = new DiscoveryClient(http, Clock.systemUTC());
            assertDiscoveryFails(discovery, "broken.test", "answered 500");
            assertThatThrownBy(() -> discovery.discover("broken.test")).isInstanceOfSatisfying(ProtocolException.class,
                    e -> {
                        assertThat(e.detail()).contains("answered 500").contains("not asked again yet");
                        assertThat(e.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(10));
                    });
            assertThat(broken.requests).hasSize(1);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    @Test
    void aDomainWithoutStaticEntryThatResolvesToLoopbackIsNotContacted() throws Exception {
        try (SlowServer server = new SlowServer(SlowServer.ok(2), Integer.MAX_VALUE, Duration.ZERO);
                PeerClient http = PeerClient.builder()
                        .lookup(host -> new InetAddress[] {InetAddress.getLoopbackAddress()}).build()) {
            assertDiscoveryFails(new DiscoveryClient(http, Clock.systemUTC()), "rebound.test", "non-public address");
            assertThat(server.requests).isEmpty();
        }
    }

    @Test
    void aFetchUrlOffTheSendersOriginIsRefusedBeforeItIsUsed() throws Exception {
        DiscoveryClient discovery = new DiscoveryClient(Clock.systemUTC(),
                Map.of("partner.test", URI.create("http://127.0.0.1:9080/partner")), false);
        discovery.requireOwnOrigin("alpha.test", URI.create("https://alpha.test/pmp/v1/messages/x"));
        discovery.requireOwnOrigin("partner.test", URI.create("http://127.0.0.1:9080/partner/pmp/v1/messages/x"));
        for (String[] refused : new String[][] {{"alpha.test", "https://127.0.0.1/pmp/v1/messages/x"},
                {"alpha.test", "http://alpha.test/pmp/v1/messages/x"}, {"alpha.test", "https://alpha.test:8081/x"},
                {"partner.test", "http://127.0.0.1:8081/x"}, {"partner.test", "https://partner.test/x"}}) {
            assertThatThrownBy(() -> discovery.requireOwnOrigin(refused[0], URI.create(refused[1])))
                    .as(refused[1]).isInstanceOf(ProtocolException.class);
        }
    }
}
