package org.pullmail.bridge.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.service.InternalApi;
import org.pullmail.testing.ServiceDatabase;
import org.pullmail.testing.TestDns;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;
import org.xbill.DNS.SimpleResolver;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Whole delivery attempts through the queue, against MX hosts that misbehave: one on a private address, one that
 * accepts connections and never answers (a tarpit). Each test runs a queue of its own settings over the bridge's
 * database (the application's queue polls only hourly here, so it claims none of these messages).
 */
@SpringBootTest(properties = {
        "pullmail.domain=alpha.test",
        "pullmail.bridge.smtp.port=0",
        "pullmail.bridge.outbound.poll-interval=PT1H"})
class OutboundAttemptTest {

    static final TestDns DNS = new TestDns();
    static final StandInOutbox OUTBOX = standIn();

    static StandInOutbox standIn() {
        try {
            return new StandInOutbox();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "bridge_attempt_test");
        registry.add("pullmail.bridge.dns.servers[0]", DNS::server);
        registry.add("pullmail.bridge.outbound.outbox-url", OUTBOX::base);
    }

    @AfterAll
    static void stop() {
        OUTBOX.close();
        DNS.close();
    }

    @Autowired
    JdbcClient jdbc;
    @Autowired
    TransactionTemplate tx;
    @Autowired
    DkimKeys dkim;
    @Autowired
    MeterRegistry meters;
    @Autowired
    HttpClient http;
    @Autowired
    InternalApi internal;

    /** A queue delivering to MX hosts on {@code mxPort}, each attempt cut off after {@code attemptTimeout}. */
    OutboundQueue queue(int mxPort, boolean allowPrivate, Duration attemptTimeout) throws Exception {
        OutboundProperties outbound = new OutboundProperties(URI.create(OUTBOX.base()), null, mxPort,
                "bridge.alpha.test", Duration.ofDays(2), Duration.ofSeconds(30), Duration.ofMinutes(1),
                Duration.ofHours(1), 4, 2, Duration.ofSeconds(5), Duration.ofMinutes(5), attemptTimeout, allowPrivate,
                new OutboundProperties.MtaSts(false, Map.of(), null, Duration.ofSeconds(2)));
        SimpleResolver resolver = new SimpleResolver(InetAddress.getLoopbackAddress());
        resolver.setPort(DNS.port());
        resolver.setTimeout(Duration.ofSeconds(2));
        Dns dns = new Dns(resolver);
        SSLContext tls = TlsTrust.context(null);
        return new OutboundQueue(jdbc, tx, new Routes(dns, new MtaSts(dns, outbound.mtaSts(), tls, allowPrivate,
                Clock.systemUTC()), outbound), new OutboxClient(http, internal, OUTBOX.base()), dkim,
                new SmtpSender(outbound, "bridge.alpha.test", tls), outbound, Clock.systemUTC(), meters);
    }

    UUID handOver(OutboundQueue queue, String recipient) {
        UUID messageId = UUID.randomUUID();
        byte[] bytes = SignedMail.message(recipient, "Attempt " + messageId);
        String token = OutboundDeliveryTest.token();
        OUTBOX.serve(messageId, bytes, token);
        Instant now = Instant.now();
        queue.enqueue(new OutboundHandover(messageId, new Notification("n-" + messageId, "alice@alpha.test",
                List.of(new Notification.Recipient(recipient, token)), "Attempt", bytes.length,
                ContentDigest.sha256(bytes), "http://127.0.0.1:8080/pmp/v1/messages/" + messageId, now,
                now.plus(Duration.ofDays(7)))));
        return messageId;
    }

    String lastError(UUID messageId) {
        return jdbc.sql("SELECT last_error FROM outbound_message WHERE message_id = ?").param(messageId)
                .query(String.class).optional().orElse(null);
    }

    /** An SMTP server on 127.0.0.1 that shows an internal banner and refuses: what an MX must never reach. */
    static final class InternalService implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();

        InternalService() throws IOException {
            Thread t = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept(); OutputStream out = s.getOutputStream()) {
                        connections.incrementAndGet();
                        out.write("554 redis-master.internal.svc secret banner\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        // closed
                    }
                }
            }, "internal-service");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void anMxAtALoopbackAddressIsRefusedPermanentlyWithoutConnectingOrEchoingItsBanner() throws Exception {
        DNS.add("""
                internal.test. 0 IN MX 10 mx.internal.test.
                mx.internal.test. 0 IN A 127.0.0.1
                """);
        try (InternalService internal = new InternalService()) {
            OutboundQueue queue = queue(internal.socket.getLocalPort(), false, Duration.ofSeconds(10));
            try {
                UUID messageId = handOver(queue, "ops@internal.test");
                queue.nudge();
                String result = Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> OUTBOX.resultsFor(messageId, "ops@internal.test"), r -> !r.isEmpty()).get(0);
                assertThat(result).startsWith("failed ").contains("mx.internal.test resolves to the non-public address"
                        + " 127.0.0.1").doesNotContain("secret banner").doesNotContain("redis");
                assertThat(jdbc.sql("SELECT attempts FROM outbound_message WHERE message_id = ?").param(messageId)
                        .query(Integer.class).single()).as("not retried").isEqualTo(1);
                assertThat(internal.connections).as("never connected").hasValue(0);
            } finally {
                queue.stop();
            }
        }
    }

    @Test
    void aTarpitMxEndsEachAttemptAtItsDeadlineForARetryAndHoldsAtMostTwoWorkers() throws Exception {
        DNS.add("""
                tarpit.test. 0 IN MX 10 mx.tarpit.test.
                mx.tarpit.test. 0 IN A 127.0.0.1
                """);
        List<Socket> held = new CopyOnWriteArrayList<>();
        AtomicInteger open = new AtomicInteger();
        AtomicInteger mostOpen = new AtomicInteger();
        try (ServerSocket tarpit = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!tarpit.isClosed()) {
                    try {
                        Socket s = tarpit.accept(); // and answer nothing, ever
                        held.add(s);
                        mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                        Thread watcher = new Thread(() -> {
                            try {
                                while (s.getInputStream().read() >= 0) {
                                    // swallow
                                }
                            } catch (IOException e) {
                                // closed
                            }
                            open.decrementAndGet();
                        });
                        watcher.setDaemon(true);
                        watcher.start();
                    } catch (IOException e) {
                        // closed
                    }
                }
            }, "tarpit");
            acceptor.setDaemon(true);
            acceptor.start();
            OutboundQueue queue = queue(tarpit.getLocalPort(), true, Duration.ofSeconds(2));
            try {
                List<UUID> messages = List.of(handOver(queue, "a@tarpit.test"), handOver(queue, "b@tarpit.test"),
                        handOver(queue, "c@tarpit.test"));
                Instant started = Instant.now();
                queue.nudge();
                Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> open.get() == 2);
                // an attempt in progress is leased beyond its deadline: no other worker or replica claims it meanwhile
                Instant leasedUntil = jdbc.sql("SELECT min(next_attempt_at) FROM outbound_message WHERE message_id IN"
                        + " (?, ?, ?) AND attempts = 1").params(messages.get(0), messages.get(1), messages.get(2))
                        .query(Timestamp.class).single().toInstant();
                assertThat(Duration.between(started, leasedUntil)).isGreaterThan(Duration.ofMinutes(5));

                // the third waits for a slot: the application's poll (hourly here, so the test polls) claims it
                Awaitility.await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    queue.nudge();
                    return messages.stream().allMatch(m -> lastError(m) != null);
                });
                assertThat(Duration.between(started, Instant.now())).as("two rounds of a 2 s deadline")
                        .isLessThan(Duration.ofSeconds(8));
                for (UUID m : messages) {
                    assertThat(lastError(m)).contains("the attempt took longer than PT2S");
                    assertThat(jdbc.sql("SELECT state || ' ' || attempts FROM outbound_message WHERE message_id = ?")
                            .param(m).query(String.class).single()).as("retried later, once per attempt")
                            .isEqualTo("pending 1");
                    assertThat(OUTBOX.resultsFor(m, "a@tarpit.test")).isEmpty();
                }
                assertThat(mostOpen).as("at most two attempts to one domain at once").hasValue(2);
                assertThat(held).as("one connection per attempt, none again").hasSize(3);
            } finally {
                queue.stop();
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }
}
