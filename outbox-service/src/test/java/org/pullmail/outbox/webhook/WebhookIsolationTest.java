package org.pullmail.outbox.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.sun.net.httpserver.HttpServer;

/** One account's slow webhook receiver delays only that account's events. */
@SpringBootTest(properties = "pullmail.outbox.webhooks-may-reach-private-addresses=true")
class WebhookIsolationTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "outbox_component_test");
    }

    @Autowired
    JdbcClient jdbc;

    HttpServer server;

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aSlowReceiverDelaysOnlyItsOwnAccountsEvents() throws Exception {
        AtomicInteger slowCalls = new AtomicInteger();
        AtomicLong quickDeliveredAt = new AtomicLong();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/slow", exchange -> {
            slowCalls.incrementAndGet();
            try {
                Thread.sleep(6000); // within the 10 s a call may take: it ends as a success, late
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.createContext("/quick", exchange -> {
            exchange.getRequestBody().readAllBytes();
            quickDeliveredAt.compareAndSet(0, System.nanoTime());
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        String slow = "slow-" + UUID.randomUUID().toString().substring(0, 8) + "@alpha.test";
        String quick = "quick-" + UUID.randomUUID().toString().substring(0, 8) + "@alpha.test";
        for (String[] account : new String[][] {{slow, base + "/slow"}, {quick, base + "/quick"}}) {
            jdbc.sql("INSERT INTO sender (address) VALUES (?) ON CONFLICT DO NOTHING").param(account[0]).update();
            jdbc.sql("INSERT INTO webhook (sender, url, secret) VALUES (?, ?, 'secret')").params(account[0], account[1])
                    .update();
        }
        // five events of the slow account first, then one of the quick account
        for (int i = 0; i < 5; i++) {
            deliveryNotified(slow);
        }
        long queued = System.nanoTime();
        deliveryNotified(quick);

        await().atMost(Duration.ofSeconds(20)).until(() -> quickDeliveredAt.get() != 0);
        assertThat(Duration.ofNanos(quickDeliveredAt.get() - queued))
                .as("the quick account's event does not wait behind the slow receiver (5 calls of 6 s)")
                .isLessThan(Duration.ofSeconds(4));
        assertThat(slowCalls.get()).as("the slow account's events go one at a time").isEqualTo(1);
    }

    /** A message of the account with one delivery that goes notified: a webhook event, by trigger. */
    private void deliveryNotified(String sender) {
        UUID message = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO message (id, sender, subject, size, digest, created_at, expires_at)
                VALUES (?, ?, 's', 1, 'sha-256=:x:', now(), now() + interval '1 day')""")
                .params(message, sender).update();
        byte[] hash = new byte[32];
        new SecureRandom().nextBytes(hash);
        jdbc.sql("""
                INSERT INTO delivery (id, message_id, recipient, recipient_domain, kind, token_hash, state, queued_at)
                VALUES (?, ?, 'bob@beta.test', 'beta.test', 'to', ?, 'queued', now())""")
                .params(UUID.randomUUID(), message, hash).update();
        jdbc.sql("UPDATE delivery SET state = 'notified', notified_at = now() WHERE message_id = ?").param(message)
                .update();
    }
}
