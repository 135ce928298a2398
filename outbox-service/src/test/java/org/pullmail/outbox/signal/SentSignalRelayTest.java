package org.pullmail.outbox.signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.pullmail.testing.TestInternalSecret;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

import com.sun.net.httpserver.HttpServer;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a user sent reaches the domain's own inbox: one signal per message, with its To and Cc but never its
 * Bcc, and the Message-ID the message carries, with the domain's internal secret; retried while the inbox fails
 * (also while it refuses the secret), delivered once, and dropped when the inbox refuses it or a day has passed.
 */
@SpringBootTest
@AutoConfigureMockMvc
class SentSignalRelayTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    /** One request the stand-in inbox took, and what it answered. */
    record Received(String sender, String contentType, String authorization, JsonNode body, int status) {
    }

    /** The domain's inbox and notifier, standing in on loopback. */
    static HttpServer services;
    static final List<Received> received = new CopyOnWriteArrayList<>();
    /** What the inbox answers a sender's next signals; 204 once they are used up. */
    static final Map<String, Queue<Integer>> answers = new ConcurrentHashMap<>();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        ServiceDatabase.register(registry, "outbox_sent_signal_test");
        services = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        services.createContext("/internal/v1/signals", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(TestInternalSecret.AUTHORIZATION.equals(
                    exchange.getRequestHeaders().getFirst("Authorization")) ? 204 : 401, -1);
            exchange.close();
        });
        services.createContext("/internal/v1/mailboxes/", exchange -> {
            // the path as the inbox's router sees it, percent-decoded: /internal/v1/mailboxes/{sender}/sent
            String path = exchange.getRequestURI().getPath();
            String sender = path.replaceAll("^/internal/v1/mailboxes/(.*)/sent$", "$1");
            Queue<Integer> next = answers.get(sender);
            Integer answer = next == null ? null : next.poll();
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            int status = !"POST".equals(exchange.getRequestMethod()) || !path.endsWith("/sent") ? 404
                    : !TestInternalSecret.AUTHORIZATION.equals(authorization) ? 401
                    : answer == null ? 204 : answer;
            received.add(new Received(sender, exchange.getRequestHeaders().getFirst("Content-Type"), authorization,
                    JSON.readTree(exchange.getRequestBody().readAllBytes()), status));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        services.start();
        String url = "http://127.0.0.1:" + services.getAddress().getPort();
        registry.add("pullmail.outbox.inbox-url", () -> url);
        registry.add("pullmail.outbox.notifier-url", () -> url);
    }

    @AfterAll
    static void stop() {
        services.stop(0);
    }

    @Autowired
    MockMvc mvc;
    @Autowired
    JdbcClient jdbc;

    static RequestPostProcessor as(String address) {
        return jwt().jwt(j -> j.subject(address)).authorities(new SimpleGrantedAuthority("ROLE_USER"));
    }

    /** A new account, so that each test sees only its own signals. */
    String account(String name) {
        String address = name + "+" + UUID.randomUUID().toString().substring(0, 8) + "@alpha.test";
        jdbc.sql("INSERT INTO sender (address) VALUES (?)").param(address).update();
        return address;
    }

    List<Received> receivedFor(String sender) {
        return received.stream().filter(r -> r.sender().equals(sender)).toList();
    }

    List<Received> deliveredFor(String sender) {
        return receivedFor(sender).stream().filter(r -> r.status() == 204).toList();
    }

    int queued(String sender) {
        return jdbc.sql("SELECT count(*) FROM sent_signal WHERE sender = ?").param(sender).query(Integer.class).single();
    }

    /** The message's id in the API and its bytes as stored. */
    record Sent(String id, Instant createdAt, MimeMessage message) {
    }

    Sent send(String sender, String contentType, byte[] content) throws Exception {
        String body = mvc.perform(post("/api/v1/outbox/messages").with(as(sender)).contentType(contentType)
                        .content(content))
                .andExpect(status().isCreated()).andReturn().getResponse().getContentAsString();
        JsonNode sent = JSON.readTree(body);
        String id = sent.get("id").asString();
        byte[] bytes = mvc.perform(get("/api/v1/outbox/messages/" + id + "/raw").with(as(sender)))
                .andExpect(status().isOk()).andReturn().getResponse().getContentAsByteArray();
        return new Sent(id, Instant.parse(sent.get("created_at").asString()),
                new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes)));
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            out.add(array.get(i).asString());
        }
        return out;
    }

    @Test
    void aSentMessageTellsTheInboxItsToAndCcButNeverItsBcc() throws Exception {
        String carol = account("carol");
        Sent sent = send(carol, MediaType.APPLICATION_JSON_VALUE, """
                {"to":["bob@beta.test","dave@alpha.test"],"cc":["erin@gamma.test"],"bcc":["mallory@delta.test"],
                 "subject":"Plans","text":"Shall we?"}""".getBytes(StandardCharsets.UTF_8));

        await().atMost(Duration.ofSeconds(10)).until(() -> !deliveredFor(carol).isEmpty());
        Received signal = deliveredFor(carol).get(0);
        assertThat(signal.contentType()).isEqualTo("application/json");
        assertThat(signal.authorization()).isEqualTo(TestInternalSecret.AUTHORIZATION);
        assertThat(strings(signal.body().get("correspondents")))
                .containsExactlyInAnyOrder("bob@beta.test", "dave@alpha.test", "erin@gamma.test");
        String messageId = sent.message().getMessageID();
        assertThat(signal.body().get("message_id").asString()).as("the Message-ID the message carries, bare")
                .isEqualTo(messageId.substring(1, messageId.length() - 1)).endsWith("@alpha.test");
        assertThat(Instant.parse(signal.body().get("sent_at").asString())).isEqualTo(sent.createdAt());
        assertThat(signal.body().toString()).doesNotContain("mallory");
        await().atMost(Duration.ofSeconds(5)).until(() -> queued(carol) == 0);
        assertThat(receivedFor(carol)).as("one signal per message").hasSize(1);
    }

    @Test
    void aRawMessageIsSignalledWithItsOwnMessageId() throws Exception {
        String frank = account("frank");
        String raw = "From: " + frank + "\r\nTo: Grace <grace@beta.test>\r\nCc: heidi@beta.test\r\n"
                + "Bcc: ivan@beta.test\r\nSubject: Raw\r\nMessage-ID: <raw-signal-1@client.alpha.test>\r\n\r\nHi\r\n";
        send(frank, "message/rfc822", raw.getBytes(StandardCharsets.US_ASCII));

        await().atMost(Duration.ofSeconds(10)).until(() -> !deliveredFor(frank).isEmpty());
        JsonNode body = deliveredFor(frank).get(0).body();
        assertThat(body.get("message_id").asString()).isEqualTo("raw-signal-1@client.alpha.test");
        assertThat(strings(body.get("correspondents"))).containsExactly("grace@beta.test", "heidi@beta.test");
    }

    @Test
    void anInboxThatFailsIsAskedAgainAndToldExactlyOnce() throws Exception {
        String judy = account("judy");
        answers.put(judy, new ConcurrentLinkedQueue<>(List.of(503)));
        send(judy, MediaType.APPLICATION_JSON_VALUE,
                "{\"to\":[\"bob@beta.test\"],\"text\":\"again\"}".getBytes(StandardCharsets.UTF_8));

        await().atMost(Duration.ofSeconds(15)).until(() -> deliveredFor(judy).size() == 1);
        assertThat(receivedFor(judy)).extracting(Received::status).as("refused once, then taken")
                .containsExactly(503, 204);
        assertThat(receivedFor(judy).get(0).body()).isEqualTo(receivedFor(judy).get(1).body());
        await().atMost(Duration.ofSeconds(5)).until(() -> queued(judy) == 0);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> receivedFor(judy).size() == 2);
    }

    /** An inbox that refuses the secret has another one than the outbox: the operator fixes that, the signal waits. */
    @Test
    void aSignalTheInboxRefusesForItsSecretIsKeptAndAskedAgain() throws Exception {
        String lou = account("lou");
        answers.put(lou, new ConcurrentLinkedQueue<>(List.of(401)));
        send(lou, MediaType.APPLICATION_JSON_VALUE,
                "{\"to\":[\"bob@beta.test\"],\"text\":\"later\"}".getBytes(StandardCharsets.UTF_8));

        await().atMost(Duration.ofSeconds(15)).until(() -> deliveredFor(lou).size() == 1);
        assertThat(receivedFor(lou)).extracting(Received::status).containsExactly(401, 204);
        await().atMost(Duration.ofSeconds(5)).until(() -> queued(lou) == 0);
    }

    @Test
    void aSignalTheInboxRefusesIsDroppedNotRetried() throws Exception {
        String ken = account("ken");
        answers.put(ken, new ConcurrentLinkedQueue<>(List.of(400)));
        send(ken, MediaType.APPLICATION_JSON_VALUE,
                "{\"to\":[\"bob@beta.test\"],\"text\":\"once\"}".getBytes(StandardCharsets.UTF_8));

        await().atMost(Duration.ofSeconds(10)).until(() -> queued(ken) == 0);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                .until(() -> receivedFor(ken).size() == 1 && receivedFor(ken).get(0).status() == 400);
    }

    @Test
    void aSignalOlderThanADayIsDroppedUnsent() {
        String leo = account("leo");
        Instant twoDaysAgo = Instant.now().minus(Duration.ofDays(2));
        jdbc.sql("""
                INSERT INTO sent_signal (id, sender, message_id, correspondents, sent_at, next_attempt_at)
                VALUES (?, ?, 'old@alpha.test', ARRAY['bob@beta.test'], ?, now())""")
                .params(UUID.randomUUID(), leo, Timestamp.from(twoDaysAgo)).update();

        await().atMost(Duration.ofSeconds(10)).until(() -> queued(leo) == 0);
        assertThat(receivedFor(leo)).isEmpty();
    }
}
