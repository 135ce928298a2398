package org.pullmail.outbox.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

import com.sun.net.httpserver.HttpServer;

/** Delivery state changes reach the account's webhook, signed, and are retried until it answers. */
@SpringBootTest(properties = "pullmail.outbox.webhooks-may-reach-private-addresses=true")
@AutoConfigureMockMvc
class WebhookTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "outbox_component_test");
    }

    record Received(String body, String signature) {
    }

    @Autowired
    MockMvc mvc;
    @Autowired
    JdbcClient jdbc;

    HttpServer server;

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void stateChangesArePostedSignedAndRetried() throws Exception {
        List<Received> received = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        server.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            // the first attempt fails: the relay must retry
            int status = calls.incrementAndGet() == 1 ? 503 : 204;
            if (status == 204) {
                received.add(new Received(new String(body, StandardCharsets.UTF_8),
                        exchange.getRequestHeaders().getFirst("Pullmail-Signature")));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        jdbc.sql("INSERT INTO sender (address) VALUES ('hooked@alpha.test') ON CONFLICT DO NOTHING").update();
        String response = mvc.perform(put("/api/v1/outbox/webhook").with(jwt().jwt(j -> j.subject("hooked@alpha.test")))
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"url\":\"http://127.0.0.1:" + server.getAddress().getPort() + "/hook\"}"))
                .andExpect(status().isOk()).andReturn().getResponse().getContentAsString();
        String secret = response.replaceAll("(?s).*\"secret\":\"([0-9a-f]+)\".*", "$1");

        UUID message = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO message (id, sender, subject, size, digest, created_at, expires_at)
                VALUES (?, 'hooked@alpha.test', 's', 1, 'sha-256=:x:', now(), now() + interval '1 day')""")
                .params(message).update();
        byte[] hash = new byte[32];
        new SecureRandom().nextBytes(hash);
        jdbc.sql("""
                INSERT INTO delivery (id, message_id, recipient, recipient_domain, kind, token_hash, state, queued_at)
                VALUES (?, ?, 'bob@beta.test', 'beta.test', 'to', ?, 'queued', now())""")
                .params(UUID.randomUUID(), message, hash).update();
        jdbc.sql("UPDATE delivery SET state = 'notified', notified_at = now() WHERE message_id = ?").param(message).update();

        await().atMost(Duration.ofSeconds(20)).until(() -> !received.isEmpty());
        assertThat(calls.get()).as("one failed attempt, then a retry").isGreaterThanOrEqualTo(2);
        assertThat(received).hasSize(1);
        Received event = received.get(0);
        assertThat(event.body()).contains("\"type\":\"delivery.notified\"", "\"recipient\":\"bob@beta.test\"",
                message.toString());
        String timestamp = event.signature().replaceAll("t=(\\d+),v1=.*", "$1");
        String signature = event.signature().replaceAll(".*v1=([0-9a-f]+)", "$1");
        assertThat(signature).isEqualTo(WebhookRelay.sign(secret, timestamp + "." + event.body()));
    }
}
