package org.pullmail.outbox.signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.testing.ServiceDatabase;
import org.pullmail.testing.TestInternalSecret;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Mail to an SMTP domain, as the outbox sees it: this domain's SMTP bridge fetches the exact bytes on the internal
 * API with a recipient's capability (the delivery counts as fetched), then reports what the recipients' MTAs
 * answered, and the sender sees each recipient stored, or failed with the MTA's reply.
 */
@SpringBootTest
@AutoConfigureMockMvc
class SmtpDeliveryTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    /** This domain's notifier and inbox, standing in: the notifier refuses hand-overs, so notifications stay stored. */
    static HttpServer services;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        ServiceDatabase.register(registry, "outbox_smtp_delivery_test");
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
        jdbc.sql("INSERT INTO sender (address) VALUES ('alice@alpha.test') ON CONFLICT DO NOTHING").update();
    }

    String send() throws Exception {
        String body = mvc.perform(post("/api/v1/outbox/messages").with(as("alice@alpha.test"))
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"to\":[\"carol@legacy.test\",\"dave@legacy.test\"],\"subject\":\"Hello\","
                                + "\"text\":\"Hi Carol, hi Dave.\"}"))
                .andExpect(status().isCreated()).andReturn().getResponse().getContentAsString();
        return JSON.readTree(body).get("id").asString();
    }

    /** Each recipient's token, from the notification the outbox wrote. */
    Map<String, String> tokens(String messageId) throws Exception {
        String payload = jdbc.sql("SELECT payload FROM signal_request WHERE message_id = ?::uuid").param(messageId)
                .query(String.class).single();
        return PmpJson.readNotification(payload.getBytes(StandardCharsets.UTF_8)).recipients().stream()
                .collect(Collectors.toMap(Notification.Recipient::address, Notification.Recipient::token));
    }

    MockHttpServletResponse raw(String messageId, String token) throws Exception {
        var request = get("/internal/v1/messages/" + messageId + "/raw")
                .header("Authorization", TestInternalSecret.AUTHORIZATION);
        if (token != null) {
            request = request.header("Pullmail-Capability", token);
        }
        return mvc.perform(request).andReturn().getResponse();
    }

    MockHttpServletResponse report(String json) throws Exception {
        return mvc.perform(post("/internal/v1/deliveries/smtp").header("Authorization", TestInternalSecret.AUTHORIZATION)
                .contentType(MediaType.APPLICATION_JSON).content(json)).andReturn().getResponse();
    }

    /** What the sender sees of each recipient: status and detail. */
    Map<String, String> seen(String messageId) throws Exception {
        JsonNode message = JSON.readTree(mvc.perform(get("/api/v1/outbox/messages/" + messageId)
                .with(as("alice@alpha.test"))).andExpect(status().isOk()).andReturn().getResponse().getContentAsString());
        Map<String, String> seen = new TreeMap<>();
        for (JsonNode r : message.get("recipients")) {
            seen.put(r.get("address").asString(), r.get("status").asString()
                    + (r.has("detail") && !r.get("detail").isNull() ? " " + r.get("detail").asString() : ""));
        }
        return seen;
    }

    @Test
    void theBridgeFetchesTheExactBytesAndTheSenderSeesWhatTheMtasAnswered() throws Exception {
        String id = send();
        Map<String, String> tokens = tokens(id);
        byte[] kept = mvc.perform(get("/api/v1/outbox/messages/" + id + "/raw").with(as("alice@alpha.test")))
                .andExpect(status().isOk()).andReturn().getResponse().getContentAsByteArray();

        MockHttpServletResponse fetched = raw(id, tokens.get("carol@legacy.test"));
        assertThat(fetched.getStatus()).isEqualTo(200);
        assertThat(fetched.getContentType()).isEqualTo("message/rfc822");
        assertThat(fetched.getContentAsByteArray()).isEqualTo(kept);
        assertThat(fetched.getHeader("Content-Digest")).startsWith("sha-256=:");
        assertThat(seen(id)).containsEntry("carol@legacy.test", "fetched").containsEntry("dave@legacy.test", "queued");

        String results = "{\"message_id\":\"" + id + "\",\"recipients\":["
                + "{\"address\":\"carol@legacy.test\",\"status\":\"stored\",\"detail\":\"250 2.0.0 Ok: queued as 4XyZ\"},"
                + "{\"address\":\"dave@legacy.test\",\"status\":\"failed\","
                + "\"detail\":\"550 5.1.1 <dave@legacy.test>: Recipient address rejected\"}]}";
        assertThat(report(results).getStatus()).isEqualTo(204);
        Map<String, String> after = seen(id);
        assertThat(after).containsEntry("carol@legacy.test", "stored")
                .containsEntry("dave@legacy.test", "failed 550 5.1.1 <dave@legacy.test>: Recipient address rejected");

        // the bridge reports at least once: a repeat changes nothing
        assertThat(report(results).getStatus()).isEqualTo(204);
        assertThat(seen(id)).isEqualTo(after);
    }

    @Test
    void theBridgesOneFetchForEveryRecipientMakesEachFetchedSoARecallThenRecallsNone() throws Exception {
        String id = send();
        Map<String, String> tokens = tokens(id);
        var request = get("/internal/v1/messages/" + id + "/raw").header("Authorization", TestInternalSecret.AUTHORIZATION)
                .header("Pullmail-Capability", tokens.get("carol@legacy.test"), tokens.get("dave@legacy.test"));
        assertThat(mvc.perform(request).andReturn().getResponse().getStatus()).isEqualTo(200);
        assertThat(seen(id)).containsEntry("carol@legacy.test", "fetched").containsEntry("dave@legacy.test", "fetched");

        // the sender recalls while the bridge delivers: neither delivery claims to be recalled
        mvc.perform(delete("/api/v1/outbox/messages/" + id).with(as("alice@alpha.test"))).andExpect(status().isOk());
        assertThat(seen(id)).containsEntry("carol@legacy.test", "fetched").containsEntry("dave@legacy.test", "fetched");

        // one token that does not fetch refuses the whole fetch, and marks nobody
        String other = send();
        MockHttpServletResponse mixed = raw(other, tokens(other).get("carol@legacy.test") + ", " + "A".repeat(43));
        assertThat(mixed.getStatus()).isEqualTo(404);
        assertThat(seen(other)).containsEntry("carol@legacy.test", "queued");
    }

    @Test
    void aFetchWithoutOrWithAWrongCapabilityIsRefused() throws Exception {
        String id = send();
        MockHttpServletResponse none = raw(id, null);
        assertThat(none.getStatus()).isEqualTo(401);
        assertThat(none.getContentType()).startsWith("application/problem+json");
        MockHttpServletResponse wrong = raw(id, "A".repeat(43));
        assertThat(wrong.getStatus()).isEqualTo(404);
        assertThat(raw("not-a-uuid", "A".repeat(43)).getStatus()).isEqualTo(404);
        MockHttpServletResponse withoutSecret = mvc.perform(get("/internal/v1/messages/" + id + "/raw")
                .header("Pullmail-Capability", tokens(id).get("carol@legacy.test"))).andReturn().getResponse();
        assertThat(withoutSecret.getStatus()).isEqualTo(401);
        assertThat(seen(id)).containsEntry("carol@legacy.test", "queued");
    }

    @Test
    void aReportThatIsNotUnderstoodOrNamesAStrangerIsA4xxProblemAndChangesNothing() throws Exception {
        String id = send();
        MockHttpServletResponse unknownStatus = report("{\"message_id\":\"" + id
                + "\",\"recipients\":[{\"address\":\"carol@legacy.test\",\"status\":\"delivered\"}]}");
        assertThat(unknownStatus.getStatus()).isEqualTo(400);
        assertThat(unknownStatus.getContentType()).startsWith("application/problem+json");
        assertThat(report("{\"message_id\":\"" + id + "\",\"recipients\":[]}").getStatus()).isEqualTo(400);
        assertThat(report("{\"recipients\":[{\"address\":\"carol@legacy.test\",\"status\":\"stored\"}]}").getStatus())
                .isEqualTo(400);
        MockHttpServletResponse stranger = report("{\"message_id\":\"" + id + "\",\"recipients\":["
                + "{\"address\":\"carol@legacy.test\",\"status\":\"stored\"},"
                + "{\"address\":\"eve@legacy.test\",\"status\":\"stored\"}]}");
        assertThat(stranger.getStatus()).isEqualTo(404);
        assertThat(stranger.getContentType()).startsWith("application/problem+json");
        assertThat(seen(id)).containsEntry("carol@legacy.test", "queued");
    }
}
