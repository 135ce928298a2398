package org.pullmail.outbox.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

import com.sun.net.httpserver.HttpServer;

/**
 * With the default configuration ({@code pullmail.outbox.webhooks-may-reach-private-addresses} off) a
 * webhook never reaches loopback, private, link-local or metadata addresses: its registration is
 * refused, and so is each delivery to a host that resolves to one by then. A database of its own: the
 * relay of {@link WebhookTest}'s context, which may reach them, must not deliver these events.
 */
@SpringBootTest
@AutoConfigureMockMvc
class WebhookAddressTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "outbox_webhook_address_test");
    }

    @Autowired
    MockMvc mvc;
    @Autowired
    JdbcClient jdbc;

    HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void registeringAWebhookAtANonPublicAddressIsRefused() throws Exception {
        String sender = sender();
        List<String> urls = List.of("http://127.0.0.1:8081/internal/v1/outcomes", "http://localhost/hook",
                "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://0.0.0.0/hook", "http://10.0.0.7/hook",
                "http://172.16.1.1/hook", "https://192.168.1.1/hook", "http://100.64.0.1/hook",
                "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/", "http://[fe80::1]/hook",
                "http://0177.0.0.1/hook", "http://0x7f.0.0.1/hook", "http://127.1/hook", "http://2130706433/hook",
                "http://user@127.0.0.1/hook");
        Map<String, String> answers = new LinkedHashMap<>();
        for (String url : urls) {
            MockHttpServletResponse response = mvc.perform(put("/api/v1/outbox/webhook")
                            .with(jwt().jwt(j -> j.subject(sender)))
                            .contentType(MediaType.APPLICATION_JSON).content("{\"url\":\"" + url + "\"}"))
                    .andReturn().getResponse();
            answers.put(url, response.getStatus() + " " + response.getContentAsString());
        }
        assertThat(answers).allSatisfy((url, answer) -> assertThat(answer).as(url)
                .startsWith("400 ").contains("\"type\":\"https://pullmail.org/problems/invalid-request\""));
        assertThat(jdbc.sql("SELECT count(*) FROM webhook WHERE sender = ?").param(sender).query(Integer.class).single())
                .isZero();
        // a public address is accepted (registering does not connect), so the refusals above are about addresses
        mvc.perform(put("/api/v1/outbox/webhook").with(jwt().jwt(j -> j.subject(sender)))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"url\":\"https://93.184.215.14/hook\"}"))
                .andExpect(status().isOk());
    }

    @Test
    void aDeliveryToAHostThatNowResolvesToLoopbackIsRefused() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        server.createContext("/", exchange -> {
            calls.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        String sender = sender();
        // registered while "localhost" was public, say: the webhook is in place, and now it names loopback
        jdbc.sql("INSERT INTO webhook (sender, url, secret) VALUES (?, ?, 'secret')")
                .params(sender, "http://localhost:" + server.getAddress().getPort() + "/hook").update();
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

        // the first attempt ends either way: delivered, or refused with the reason
        Attempt attempt = await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql("""
                        SELECT delivered_at IS NOT NULL, last_error FROM webhook_event
                        WHERE sender = ? AND attempts > 0 AND (delivered_at IS NOT NULL OR last_error IS NOT NULL)""")
                .param(sender).query((rs, n) -> new Attempt(rs.getBoolean(1), rs.getString(2))).list().stream()
                .findFirst().orElse(null), a -> a != null);
        assertThat(calls.get()).as("requests that reached the loopback server").isZero();
        assertThat(attempt.delivered()).isFalse();
        assertThat(attempt.error()).contains("localhost", "non-public");
    }

    record Attempt(boolean delivered, String error) {
    }

    private String sender() {
        String sender = "hooked-" + UUID.randomUUID().toString().substring(0, 8) + "@alpha.test";
        jdbc.sql("INSERT INTO sender (address) VALUES (?)").param(sender).update();
        return sender;
    }
}
