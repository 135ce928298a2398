package org.pullmail.outbox.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The sent list pages by cursor: newest first, every message once, each with its own recipients. */
@SpringBootTest
@AutoConfigureMockMvc
class SentListTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "outbox_sent_list_test");
    }

    static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    MockMvc mvc;
    @Autowired
    JdbcClient jdbc;

    String sender;
    /** Each message's recipients, as stored. */
    final Map<String, List<String>> recipients = new HashMap<>();

    @BeforeEach
    void sevenMessages() {
        sender = "pager-" + UUID.randomUUID().toString().substring(0, 8) + "@alpha.test";
        jdbc.sql("INSERT INTO sender (address) VALUES (?), ('someone-else@alpha.test') ON CONFLICT DO NOTHING")
                .param(sender).update();
        Instant newest = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        // minutes before the newest; the third and fourth were sent in the same second, so a page ends between
        // two messages of one instant and only the id tells them apart
        int[] minutesAgo = {0, 1, 2, 2, 3, 4, 5};
        for (int i = 0; i < minutesAgo.length; i++) {
            UUID id = message(sender, newest.minus(Duration.ofMinutes(minutesAgo[i])));
            List<String> to = new ArrayList<>();
            for (int k = 0; k <= i % 3; k++) {
                String recipient = "r" + i + "-" + k + "@beta.test";
                delivery(id, recipient, i % 2 == 0 ? "stored" : "notified");
                to.add(recipient);
            }
            recipients.put(id.toString(), to);
        }
        // another account's message, newer than all: never in this list
        message("someone-else@alpha.test", newest.plusSeconds(30));
    }

    UUID message(String from, Instant created) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO message (id, sender, subject, size, digest, created_at, expires_at)
                VALUES (?, ?, 'paged', 10, 'sha-256=:x:', ?, ?)""")
                .params(id, from, Timestamp.from(created), Timestamp.from(created.plus(Duration.ofDays(30)))).update();
        return id;
    }

    void delivery(UUID message, String recipient, String state) {
        byte[] hash = new byte[32];
        new SecureRandom().nextBytes(hash);
        jdbc.sql("""
                INSERT INTO delivery (id, message_id, recipient, recipient_domain, kind, token_hash, state, queued_at)
                VALUES (?, ?, ?, 'beta.test', 'to', ?, ?, now())""")
                .params(UUID.randomUUID(), message, recipient, hash, state).update();
    }

    MockHttpServletResponse list(String query) throws Exception {
        return mvc.perform(get("/api/v1/outbox/messages" + query)
                        .with(jwt().jwt(j -> j.subject(sender)).authorities(new SimpleGrantedAuthority("ROLE_USER"))))
                .andReturn().getResponse();
    }

    /** Follows {@code next} from the first page; answers each page's messages. */
    List<List<JsonNode>> pages(String query) throws Exception {
        List<List<JsonNode>> pages = new ArrayList<>();
        String cursor = null;
        do {
            MockHttpServletResponse response = list(query + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
            JsonNode page = JSON.readTree(response.getContentAsString(StandardCharsets.UTF_8));
            List<JsonNode> messages = new ArrayList<>();
            page.get("messages").forEach(messages::add);
            pages.add(messages);
            cursor = page.has("next") ? page.get("next").asString() : null;
            assertThat(pages).as("the list ends").hasSizeLessThan(10);
        } while (cursor != null);
        return pages;
    }

    @Test
    void sevenMessagesComeInPagesOfThreeThreeAndOneNewestFirstEachOnce() throws Exception {
        List<List<JsonNode>> pages = pages("?limit=3");
        assertThat(pages).extracting(List::size).containsExactly(3, 3, 1);

        List<JsonNode> all = pages.stream().flatMap(List::stream).toList();
        List<String> ids = all.stream().map(m -> m.get("id").asString()).toList();
        assertThat(new HashSet<>(ids)).as("no message twice, none missing").hasSize(7)
                .isEqualTo(recipients.keySet());
        List<Instant> created = all.stream().map(m -> Instant.parse(m.get("created_at").asString())).toList();
        for (int i = 1; i < created.size(); i++) {
            assertThat(created.get(i)).as("newest first").isBeforeOrEqualTo(created.get(i - 1));
        }
        for (JsonNode m : all) {
            assertThat(m.get("from").asString()).isEqualTo(sender);
            List<String> to = new ArrayList<>();
            m.get("recipients").forEach(r -> to.add(r.get("address").asString()));
            assertThat(to).as("the recipients of " + m.get("id")).containsExactlyInAnyOrderElementsOf(
                    recipients.get(m.get("id").asString()));
        }

        JsonNode last = JSON.readTree(list("?limit=3&cursor=" + next("?limit=3", 2)).getContentAsString());
        assertThat(last.has("next")).as("the last page has no next").isFalse();
    }

    /** The cursor after {@code hops} pages. */
    String next(String query, int hops) throws Exception {
        String cursor = null;
        for (int i = 0; i < hops; i++) {
            JsonNode page = JSON.readTree(list(query + (cursor == null ? "" : "&cursor=" + cursor)).getContentAsString());
            cursor = page.get("next").asString();
        }
        return cursor;
    }

    @Test
    void withoutALimitTheListIsOnePageAsBefore() throws Exception {
        JsonNode page = JSON.readTree(list("").getContentAsString());
        assertThat(page.get("messages").size()).isEqualTo(7);
        assertThat(page.has("next")).isFalse();
    }

    @Test
    void aStateFilterPagesToo() throws Exception {
        List<List<JsonNode>> pages = pages("?state=stored&limit=3");
        // the first, third, fifth and seventh messages have a stored delivery
        assertThat(pages).extracting(List::size).containsExactly(3, 1);
        pages.stream().flatMap(List::stream).forEach(m -> {
            List<String> states = new ArrayList<>();
            m.get("recipients").forEach(r -> states.add(r.get("status").asString()));
            assertThat(states).contains("stored");
        });
    }

    @Test
    void aCursorTheListDidNotGiveOrABadLimitIsA400Problem() throws Exception {
        for (String query : new String[] {"?cursor=not-a-cursor!", "?cursor=" + encoded("2026-12-01T10:00:00Z|not-a-uuid"),
                "?cursor=" + encoded("|" + UUID.randomUUID()), "?cursor=" + encoded("yesterday|" + UUID.randomUUID()),
                "?cursor=" + encoded("+294277-01-01T00:00:00Z|" + UUID.randomUUID()),
                "?limit=0", "?limit=-1", "?limit=many"}) {
            MockHttpServletResponse response = list(query);
            assertThat(response.getStatus()).as(query).isEqualTo(400);
            assertThat(response.getContentType()).as(query).startsWith("application/problem+json");
        }
    }

    @Test
    void aLimitAboveWhatAPageHoldsIsServedAsTheMost() throws Exception {
        assertThat(list("?limit=100000").getStatus()).isEqualTo(200);
    }

    static String encoded(String cursor) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(cursor.getBytes(StandardCharsets.UTF_8));
    }
}
