package org.pullmail.outbox.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ReplyHint;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.testing.ServiceDatabase;
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

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A reply's notifications carry reply hints (PROTOCOL.md 3.5): each recipient the hints computed for its own
 * address, from the ids the reply refers to, however it was sent; ordinary mail carries none. This outbox is
 * beta.test's, so that bob's reply to alice is the example of PROTOCOL.md 3.5.
 */
@SpringBootTest(properties = "pullmail.domain=beta.test")
@AutoConfigureMockMvc
class ReplyHintsTest {

    /** The message of PROTOCOL.md 9.3, which bob answers in 3.5's example. */
    static final String LUNCH = "0193b5e4-7c1a-7b3e-9f00-5a1c2d3e4f50@alpha.test";

    static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * This domain's notifier and inbox, standing in: the notifier refuses every hand-over, so that each
     * notification stays stored as the outbox wrote it; the inbox takes sent signals.
     */
    static HttpServer services;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        ServiceDatabase.register(registry, "outbox_reply_hint_test");
        services = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        services.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().startsWith("/internal/v1/signals")
                    ? 503 : 204, -1);
            exchange.close();
        });
        services.start();
        String url = "http://127.0.0.1:" + services.getAddress().getPort();
        registry.add("pullmail.outbox.notifier-url", () -> url);
        registry.add("pullmail.outbox.inbox-url", () -> url);
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

    @BeforeEach
    void sender() {
        jdbc.sql("INSERT INTO sender (address) VALUES ('bob@beta.test') ON CONFLICT DO NOTHING").update();
    }

    /** The notifications stored for a message, each as its exact JSON text. */
    List<String> notifications(String messageId) {
        return jdbc.sql("SELECT payload FROM signal_request WHERE message_id = ?::uuid ORDER BY notification_id")
                .param(messageId).query(String.class).list();
    }

    /** Each recipient of the message's notifications with its reply hints (none when the member is absent). */
    Map<String, List<String>> hintsByRecipient(String messageId) throws Exception {
        Map<String, List<String>> hints = new HashMap<>();
        for (String text : notifications(messageId)) {
            // read as a receiving domain reads it: every member checked
            Notification notification = PmpJson.readNotification(text.getBytes(StandardCharsets.UTF_8));
            for (Notification.Recipient r : notification.recipients()) {
                hints.put(r.address(), r.replyHints());
            }
        }
        return hints;
    }

    String send(String json) throws Exception {
        String body = mvc.perform(post("/api/v1/outbox/messages").with(as("bob@beta.test"))
                        .contentType(MediaType.APPLICATION_JSON).content(json))
                .andExpect(status().isCreated()).andReturn().getResponse().getContentAsString();
        return JSON.readTree(body).get("id").asString();
    }

    String stored(String id) throws Exception {
        return mvc.perform(get("/api/v1/outbox/messages/" + id + "/raw").with(as("bob@beta.test")))
                .andExpect(status().isOk()).andReturn().getResponse().getContentAsString(StandardCharsets.UTF_8);
    }

    @Test
    void aReplyGivesEachRecipientTheHintOfItsOwnAddress() throws Exception {
        String id = send("""
                {"to":["alice@alpha.test"],"cc":["dave@alpha.test"],"in_reply_to":"%s",
                 "subject":"Re: Lunch on Friday?","text":"The new place it is."}""".formatted(LUNCH));

        assertThat(notifications(id)).as("both recipients are in one domain").hasSize(1);
        Map<String, List<String>> hints = hintsByRecipient(id);
        assertThat(hints.get("alice@alpha.test")).containsExactly(ReplyHint.of(LUNCH, "alice@alpha.test"))
                .containsExactly("CSI0of7IExjRwdMO6irADw"); // PROTOCOL.md 3.5's example
        assertThat(hints.get("dave@alpha.test")).containsExactly(ReplyHint.of(LUNCH, "dave@alpha.test"))
                .containsExactly("2k1n6OVc2Vz_mEKpuNHq7w");
        assertThat(stored(id)).contains("\r\nIn-Reply-To: <" + LUNCH + ">\r\n", "\r\nReferences: <" + LUNCH + ">\r\n");
    }

    @Test
    void ordinaryMailHasNoRepliesMemberAtAll() throws Exception {
        String id = send("{\"to\":[\"alice@alpha.test\",\"dave@alpha.test\"],\"subject\":\"Lunch\",\"text\":\"?\"}");
        assertThat(notifications(id)).hasSize(1).allSatisfy(text -> assertThat(text).doesNotContain("replies"));
        assertThat(stored(id)).doesNotContain("In-Reply-To", "References");
    }

    @Test
    void aRawMessageIsHintedFromItsOwnHeaderFields() throws Exception {
        String raw = "From: Bob <bob@beta.test>\r\nTo: alice@alpha.test\r\nSubject: Re: Re: Lunch\r\n"
                + "Message-ID: <raw-reply-" + UUID.randomUUID() + "@beta.test>\r\nDate: Fri, 27 Nov 2026 09:00:00 +0000\r\n"
                + "In-Reply-To: <second@alpha.test>\r\n"
                + "References: <" + LUNCH + ">\r\n <second@alpha.test>\r\n\r\nSee you there.\r\n";
        String body = mvc.perform(post("/api/v1/outbox/messages").with(as("bob@beta.test"))
                        .contentType("message/rfc822").content(raw.getBytes(StandardCharsets.US_ASCII)))
                .andExpect(status().isCreated()).andReturn().getResponse().getContentAsString();
        String id = JSON.readTree(body).get("id").asString();

        assertThat(hintsByRecipient(id).get("alice@alpha.test")).as("In-Reply-To first, then References last first")
                .containsExactly(ReplyHint.of("second@alpha.test", "alice@alpha.test"),
                        ReplyHint.of(LUNCH, "alice@alpha.test"));
        assertThat(stored(id)).as("the submitted bytes are kept as they came").isEqualTo(raw);
    }

    @Test
    void aFormSentReplyToALongThreadCarriesTheThreeNewestIds() throws Exception {
        var form = multipart("/api/v1/outbox/messages").param("to", "alice@alpha.test").param("text", "yes")
                .param("in_reply_to", "<r6@alpha.test>");
        for (int i = 1; i <= 5; i++) {
            form.param("references", "r" + i + "@alpha.test");
        }
        String body = mvc.perform(form.with(as("bob@beta.test"))).andExpect(status().isCreated())
                .andReturn().getResponse().getContentAsString();
        String id = JSON.readTree(body).get("id").asString();

        assertThat(hintsByRecipient(id).get("alice@alpha.test")).hasSize(Pmp.MAX_REPLY_HINTS).containsExactly(
                ReplyHint.of("r6@alpha.test", "alice@alpha.test"), ReplyHint.of("r5@alpha.test", "alice@alpha.test"),
                ReplyHint.of("r4@alpha.test", "alice@alpha.test"));
        String references = stored(id).replaceAll("(?s).*\r\nReferences: (.*?)\r\n(?! ).*", "$1");
        assertThat(references.replaceAll("\r\n ", " ")).as("the given references, then in_reply_to")
                .isEqualTo("<r1@alpha.test> <r2@alpha.test> <r3@alpha.test> <r4@alpha.test> <r5@alpha.test> "
                        + "<r6@alpha.test>");
    }

    @Test
    void hintsCountTowardTheSizeOfEachNotification() throws Exception {
        List<String> to = IntStream.range(0, 90).mapToObj(i -> "\"reader-" + i + "@gamma.test\"").toList();
        String id = send("""
                {"to":[%s],"in_reply_to":"<%s>","references":["first@alpha.test","second@alpha.test"],
                 "subject":"%s","text":"to the list"}""".formatted(String.join(",", to), LUNCH, "Ü".repeat(200)));

        List<String> notifications = notifications(id);
        assertThat(notifications).as("90 recipients with three hints each need several notifications").hasSizeGreaterThan(1)
                .allSatisfy(text -> assertThat(text.getBytes(StandardCharsets.UTF_8).length)
                        .isLessThanOrEqualTo(Pmp.MAX_NOTIFICATION_BYTES));
        Map<String, List<String>> hints = hintsByRecipient(id);
        assertThat(hints).hasSize(90);
        hints.forEach((address, given) -> assertThat(given).containsExactly(ReplyHint.of(LUNCH, address),
                ReplyHint.of("second@alpha.test", address), ReplyHint.of("first@alpha.test", address)));
    }

    int messages() {
        return jdbc.sql("SELECT count(*) FROM message WHERE sender = 'bob@beta.test'").query(Integer.class).single();
    }

    @Test
    void referencesThatAreNoMessageIdsAreRefusedNamingTheMemberAndNothingIsSent() throws Exception {
        int before = messages();
        List<String> fiftyOne = new ArrayList<>();
        for (int i = 0; i <= 50; i++) {
            fiftyOne.add("\"r" + i + "@alpha.test\"");
        }
        Map<String, String> refused = Map.of(
                "{\"to\":[\"alice@alpha.test\"],\"in_reply_to\":\"lunch on friday\"}", "in_reply_to",
                "{\"to\":[\"alice@alpha.test\"],\"in_reply_to\":\"a@alpha.test>\\r\\nBcc: eve@evil.test\"}", "in_reply_to",
                "{\"to\":[\"alice@alpha.test\"],\"references\":[\"ok@alpha.test\",\"<two@ids@alpha.test>\"]}", "references[1]",
                "{\"to\":[\"alice@alpha.test\"],\"references\":[" + String.join(",", fiftyOne) + "]}", "references");
        for (var entry : refused.entrySet()) {
            mvc.perform(post("/api/v1/outbox/messages").with(as("bob@beta.test"))
                            .contentType(MediaType.APPLICATION_JSON).content(entry.getKey()))
                    .andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.type").value("https://pullmail.org/problems/invalid-request"))
                    .andExpect(jsonPath("$.detail").value(Matchers.startsWith(entry.getValue() + ":")));
        }
        mvc.perform(multipart("/api/v1/outbox/messages").param("to", "alice@alpha.test")
                        .param("in_reply_to", "no id here").with(as("bob@beta.test")))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value(Matchers.startsWith("in_reply_to:")));
        assertThat(messages()).as("a refused reply stores and queues nothing").isEqualTo(before);
    }
}
