package org.pullmail.protocol.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** PROTOCOL.md 8.2: the whole-exchange deadline, the byte bound, and the pinned, checked address. */
class PeerClientTest {

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** Loopback counts as public here, so that a test can stand in for a public peer without leaving the machine. */
    static PeerClient.Builder client(CheckedResolver.Lookup lookup) {
        return PeerClient.builder().lookup(lookup).publicAddresses(a -> a.equals(LOOPBACK));
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aBodyTrickledAByteASecondIsCutOffAtTheDeadline() throws Exception {
        // the head at once, then one byte a second: the idle time-out between bytes never trips
        String answer = SlowServer.ok(100);
        try (SlowServer peer = new SlowServer(answer, answer.length() - 100, Duration.ofSeconds(1));
                PeerClient http = client(host -> new InetAddress[] {LOOPBACK})
                        .deadline(Duration.ofSeconds(2)).idleTimeout(Duration.ofSeconds(5)).build()) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> http.exchange(PeerRequest.get(URI.create("http://peer.test:" + peer.port() + "/x"),
                    Map.of()), 100)).isInstanceOf(DeadlineExceededException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(3500));
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aTrickledResponseHeadIsCutOffAtTheDeadline() throws Exception {
        try (SlowServer peer = new SlowServer(SlowServer.ok(2), 3, Duration.ofMillis(700));
                PeerClient http = client(host -> new InetAddress[] {LOOPBACK})
                        .deadline(Duration.ofSeconds(2)).idleTimeout(Duration.ofSeconds(5)).build()) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> http.exchange(PeerRequest.post(URI.create("http://peer.test:" + peer.port() + "/n"),
                    Map.of("Content-Type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8)), 100))
                    .isInstanceOf(DeadlineExceededException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(3500));
        }
    }

    @Test
    void theDeadlineGrowsWithTheBytesAnExchangeMayReadAtTheMinimumRate() {
        try (PeerClient http = PeerClient.builder().deadline(Duration.ofSeconds(15)).minBytesPerSecond(64 * 1024).build()) {
            assertThat(http.deadlineFor(0)).isEqualTo(Duration.ofSeconds(15));
            assertThat(http.deadlineFor(25L * 1024 * 1024)).isEqualTo(Duration.ofSeconds(15 + 400));
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aBodyBeyondTheBoundIsNeitherReadNorDrained() throws Exception {
        // 200 bytes at once, then a byte every 2 s: the client needs only the first 65
        String answer = SlowServer.ok(1000);
        try (SlowServer peer = new SlowServer(answer, answer.length() - 800, Duration.ofSeconds(2));
                PeerClient http = client(host -> new InetAddress[] {LOOPBACK}).deadline(Duration.ofSeconds(30)).build()) {
            long started = System.nanoTime();
            PeerResponse response = http.exchange(PeerRequest.get(URI.create("http://peer.test:" + peer.port() + "/x"),
                    Map.of()), 64);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.truncated()).isTrue();
            assertThat(response.body()).hasSize(64);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void aWholeAnswerWithinTheBoundIsReadWithItsHeaders() throws Exception {
        try (SlowServer peer = new SlowServer(SlowServer.ok(10), Integer.MAX_VALUE, Duration.ZERO);
                PeerClient http = client(host -> new InetAddress[] {LOOPBACK}).build()) {
            PeerResponse response = http.exchange(PeerRequest.get(URI.create("http://peer.test:" + peer.port() + "/x"),
                    Map.of("Accept", "application/json")), 10);
            assertThat(response.truncated()).isFalse();
            assertThat(response.text()).isEqualTo("x".repeat(10));
            assertThat(response.header("content-type")).hasValue("application/json");
            assertThat(peer.requests.get(0)).startsWith("GET /x HTTP/1.1\r\n").contains("Accept: application/json");
        }
    }

    @Test
    void aStreamedBodyIsReadAsItArrivesToItsEnd() throws Exception {
        try (SlowServer peer = new SlowServer(SlowServer.ok(100_000), Integer.MAX_VALUE, Duration.ZERO);
                PeerClient http = client(host -> new InetAddress[] {LOOPBACK}).build()) {
            long[] counted = new long[1];
            int status = http.exchange(PeerRequest.get(URI.create("http://peer.test:" + peer.port() + "/x"), Map.of()),
                    100_000, (code, headers, body) -> {
                        byte[] buffer = new byte[4096];
                        int n;
                        while ((n = body.read(buffer)) >= 0) {
                            counted[0] += n;
                        }
                        return code;
                    });
            assertThat(status).isEqualTo(200);
            assertThat(counted[0]).isEqualTo(100_000);
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aStreamedBodyLongerThanTheBoundFailsAtTheBoundWithoutBeingDrained() throws Exception {
        String answer = SlowServer.ok(1000);
        try (SlowServer peer = new SlowServer(answer, answer.length() - 800, Duration.ofSeconds(2));
                PeerClient http = client(host -> new InetAddress[] {LOOPBACK}).deadline(Duration.ofSeconds(30)).build()) {
            long started = System.nanoTime();
            long[] counted = new long[1];
            assertThatThrownBy(() -> http.exchange(PeerRequest.get(URI.create("http://peer.test:" + peer.port() + "/x"),
                    Map.of()), 64, (code, headers, body) -> {
                        while (body.read() >= 0) {
                            counted[0]++;
                        }
                        return null;
                    })).isInstanceOf(PeerClient.BodyTooLongException.class);
            assertThat(counted[0]).isEqualTo(64);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aStreamedBodyTrickledAByteASecondIsCutOffAtTheDeadline() throws Exception {
        String answer = SlowServer.ok(100);
        try (SlowServer peer = new SlowServer(answer, answer.length() - 100, Duration.ofSeconds(1));
                PeerClient http = client(host -> new InetAddress[] {LOOPBACK})
                        .deadline(Duration.ofSeconds(2)).idleTimeout(Duration.ofSeconds(5)).build()) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> http.exchange(PeerRequest.get(URI.create("http://peer.test:" + peer.port() + "/x"),
                    Map.of()), 100, (code, headers, body) -> body.readAllBytes()))
                    .isInstanceOf(DeadlineExceededException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(3500));
        }
    }

    @Test
    void aNameThatResolvesToLoopbackIsRefusedBeforeAnythingIsSent() throws Exception {
        try (SlowServer peer = new SlowServer(SlowServer.ok(2), Integer.MAX_VALUE, Duration.ZERO);
                PeerClient http = PeerClient.builder().build()) {
            assertThatThrownBy(() -> http.exchange(PeerRequest.get(URI.create("http://localhost:" + peer.port() + "/x"),
                    Map.of()), 100)).isInstanceOf(NonPublicAddressException.class);
            assertThatThrownBy(() -> http.exchange(PeerRequest.get(URI.create("http://127.0.0.1:" + peer.port() + "/x"),
                    Map.of()), 100)).isInstanceOf(NonPublicAddressException.class);
            assertThatThrownBy(() -> http.exchange(PeerRequest.get(URI.create("http://[::1]:" + peer.port() + "/x"),
                    Map.of()), 100)).isInstanceOf(NonPublicAddressException.class);
            assertThat(peer.requests).isEmpty();
        }
    }

    @Test
    void oneNonPublicAddressAmongPublicOnesIsEnoughToRefuse() throws Exception {
        InetAddress refused = InetAddress.getByAddress(new byte[] {127, 0, 0, 2});
        try (SlowServer peer = new SlowServer(SlowServer.ok(2), Integer.MAX_VALUE, Duration.ZERO);
                PeerClient http = client(host -> new InetAddress[] {LOOPBACK, refused}).build()) {
            assertThatThrownBy(() -> http.exchange(PeerRequest.get(URI.create("http://mixed.test:" + peer.port() + "/x"),
                    Map.of()), 100)).isInstanceOf(NonPublicAddressException.class);
            assertThat(peer.requests).isEmpty();
        }
    }

    @Test
    void theConnectionGoesToTheAddressThatWasCheckedWithoutASecondLookup() throws Exception {
        // DNS rebinding: the first answer passes the check, every later one points at a refused address
        InetAddress refused = InetAddress.getByAddress(new byte[] {127, 0, 0, 2});
        AtomicInteger lookups = new AtomicInteger();
        try (SlowServer peer = new SlowServer(SlowServer.ok(2), Integer.MAX_VALUE, Duration.ZERO);
                PeerClient http = client(host -> new InetAddress[] {lookups.getAndIncrement() == 0 ? LOOPBACK : refused})
                        .build()) {
            PeerResponse response = http.exchange(PeerRequest.get(URI.create("http://rebind.test:" + peer.port() + "/x"),
                    Map.of()), 100);
            assertThat(response.status()).isEqualTo(200);
            assertThat(lookups).hasValue(1);
            assertThat(peer.requests.get(0)).contains("Host: rebind.test:" + peer.port());
        }
        lookups.set(1);
        try (PeerClient http = client(host -> new InetAddress[] {lookups.getAndIncrement() == 0 ? LOOPBACK : refused})
                .build()) {
            assertThatThrownBy(() -> http.exchange(PeerRequest.get(URI.create("http://rebind.test:9/x"), Map.of()), 100))
                    .isInstanceOf(NonPublicAddressException.class);
        }
    }

    @Test
    void aHostNamedInAStaticEntryIsReachedWhereverItPoints() throws Exception {
        try (SlowServer peer = new SlowServer(SlowServer.ok(2), Integer.MAX_VALUE, Duration.ZERO);
                PeerClient http = PeerClient.builder().policy(new PeerPolicy(
                        Map.of("partner.test", URI.create("http://127.0.0.1:" + peer.port())), false)).build()) {
            assertThat(http.exchange(PeerRequest.get(URI.create("http://127.0.0.1:" + peer.port() + "/x"), Map.of()), 100)
                    .status()).isEqualTo(200);
            assertThatThrownBy(() -> http.exchange(PeerRequest.get(URI.create("http://localhost:" + peer.port() + "/x"),
                    Map.of()), 100)).isInstanceOf(NonPublicAddressException.class);
        }
    }

    /**
     * The pinned connection is still TLS to the name: the certificate is verified for it and the
     * server is told it by SNI, while the socket goes to the address that was checked.
     */
    @Test
    void overTlsTheCheckedAddressIsConnectedAndTheNameIsVerifiedAndSent(@TempDir Path temp) throws Exception {
        SSLContext server = tls(keyStore(temp, "peer.test"), true);
        List<String> serverNames = new CopyOnWriteArrayList<>();
        HttpsServer https = HttpsServer.create(new InetSocketAddress(LOOPBACK, 0), 10);
        https.setHttpsConfigurator(new HttpsConfigurator(server));
        https.createContext("/", exchange -> {
            var session = (ExtendedSSLSession) ((HttpsExchange) exchange).getSSLSession();
            session.getRequestedServerNames().forEach(n -> serverNames.add(((SNIHostName) n).getAsciiName()));
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        https.start();
        AtomicInteger lookups = new AtomicInteger();
        try (PeerClient http = client(host -> {
            lookups.incrementAndGet();
            return new InetAddress[] {LOOPBACK};
        }).sslContext(tls(temp.resolve("peer.test.p12"), false)).build()) {
            int port = https.getAddress().getPort();
            PeerResponse response = http.exchange(PeerRequest.get(URI.create("https://peer.test:" + port + "/"), Map.of()), 10);
            assertThat(response.text()).isEqualTo("ok");
            assertThat(serverNames).containsExactly("peer.test");
            assertThat(lookups).hasValue(1);
            // the same address under a name the certificate does not carry
            assertThatThrownBy(() -> http.exchange(PeerRequest.get(URI.create("https://other.test:" + port + "/"),
                    Map.of()), 10)).isInstanceOf(SSLException.class);
        } finally {
            https.stop(0);
        }
    }

    /** A self-signed certificate for {@code name}, made by the JDK's keytool. */
    static Path keyStore(Path dir, String name) throws Exception {
        Path store = dir.resolve(name + ".p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "peer", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "SAN=dns:" + name, "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor()).as(output).isZero();
        assertThat(Files.exists(store)).isTrue();
        return store;
    }

    static SSLContext tls(Path store, boolean asServer) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(store.toFile())) {
            keys.load(in, "changeit".toCharArray());
        }
        SSLContext context = SSLContext.getInstance("TLS");
        if (asServer) {
            KeyManagerFactory km = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            km.init(keys, "changeit".toCharArray());
            context.init(km.getKeyManagers(), null, null);
        } else {
            TrustManagerFactory tm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tm.init(keys);
            context.init(null, tm.getTrustManagers(), null);
        }
        return context;
    }
}
