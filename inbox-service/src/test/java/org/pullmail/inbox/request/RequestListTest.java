package org.pullmail.inbox.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.inbox.StatementCounter;
import org.pullmail.inbox.reputation.BulkDetector;
import org.pullmail.inbox.reputation.Reputation;
import org.pullmail.service.PageCursor;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The list of requests a user decides on: one statement for a page however long, the same reputation and
 * bulk facts the per-request lookups give, pages newest first by cursor.
 */
@SpringBootTest
@AutoConfigureMockMvc
@Import(StatementCounter.class)
class RequestListTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "inbox_request_list_test");
    }

    @Autowired
    MockMvc mvc;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    ObjectMapper json;
    @Autowired
    Reputation reputation;
    @Autowired
    BulkDetector bulk;
    @Autowired
    StatementCounter statements;

    /** Each test has a mailbox of its own, so that requests of other tests are not in its list. */
    String mailbox;

    @BeforeEach
    void mailbox() {
        mailbox = "u" + UUID.randomUUID().toString().substring(0, 8) + "@alpha.test";
        jdbc.sql("INSERT INTO mailbox (address) VALUES (?)").param(mailbox).update();
    }

    /** A notification from {@code sender} held for each of {@code mailboxes}; returns the first's notice. */
    UUID request(String sender, String digest, Instant createdAt, String... mailboxes) {
        UUID notification = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO notification (id, sender_domain, notification_id, sender, subject, size, digest, fetch_url,
                                          sent_at, expires_at, received_at)
                VALUES (?, ?, ?, ?, ?, 1234, ?, 'https://news.example/pmp/v1/messages/x', ?, ?, ?)""")
                .params(notification, sender.substring(sender.indexOf('@') + 1), notification.toString(), sender,
                        "Subject " + createdAt, digest, Timestamp.from(createdAt),
                        Timestamp.from(createdAt.plus(Duration.ofDays(30))), Timestamp.from(createdAt))
                .update();
        UUID first = null;
        for (String recipient : mailboxes) {
            jdbc.sql("INSERT INTO mailbox (address) VALUES (?) ON CONFLICT DO NOTHING").param(recipient).update();
            UUID notice = UUID.randomUUID();
            jdbc.sql("""
                    INSERT INTO notice (id, notification, recipient, token, state, created_at, policy)
                    VALUES (?, ?, ?, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'requested', ?, 'a stranger')""")
                    .params(notice, notification, recipient, Timestamp.from(createdAt)).update();
            first = first == null ? notice : first;
        }
        return first;
    }

    JsonNode list(String query) throws Exception {
        String body = mvc.perform(get("/api/v1/inbox/requests" + query).with(jwt().jwt(j -> j.subject(mailbox))))
                .andExpect(status().isOk()).andReturn().getResponse().getContentAsString();
        return json.readTree(body);
    }

    /** A value as a client reads it in an answer (numbers as parsed, not as Java typed them). */
    JsonNode asRead(Object value) {
        return json.readTree(json.writeValueAsString(value));
    }

    static String digest(String seed) {
        return "sha-256=:" + (seed + "x".repeat(43)).substring(0, 43) + "=:";
    }

    @Test
    void eachRequestShowsTheReputationAndBulkFactsItsOwnLookupsGive() throws Exception {
        jdbc.sql("INSERT INTO sender_reputation (sender, received, fetched, declined, spam, refused, first_seen) "
                + "VALUES ('shop.example', 40, 10, 3, 2, 1, '2026-01-05T08:00:00Z'), "
                + "('deals@shop.example', 3, 0, 1, 0, 0, '2026-11-20T10:30:00Z') ON CONFLICT DO NOTHING").update();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String[] many = new String[10];
        many[0] = mailbox;
        for (int i = 1; i < many.length; i++) {
            many[i] = "bulk" + i + "@alpha.test";
        }
        String bulkDigest = digest("bulk" + mailbox);
        UUID mailing = request("deals@shop.example", bulkDigest, now.minusSeconds(30), many);
        UUID personal = request("ann@shop.example", digest("personal" + mailbox), now.minusSeconds(20), mailbox);
        UUID stranger = request("eve@unknown.example", digest("stranger" + mailbox), now.minusSeconds(10), mailbox);

        JsonNode requests = list("").get("requests");
        assertThat(requests).hasSize(3);
        Map<String, JsonNode> byId = new HashMap<>();
        requests.forEach(r -> byId.put(r.get("id").asString(), r));

        // what the list made three queries per request for, before: the two reputations and the bulk check
        for (JsonNode r : requests) {
            String from = r.get("from").asString();
            String domain = r.get("sender_domain").asString();
            assertThat(r.get("sender_reputation")).as(from)
                    .isEqualTo(asRead(reputation.of(from)));
            assertThat(r.get("domain_reputation")).as(domain)
                    .isEqualTo(asRead(reputation.of(domain)));
            String digest = jdbc.sql("SELECT f.digest FROM notice n JOIN notification f ON f.id = n.notification "
                    + "WHERE n.id = ?").param(UUID.fromString(r.get("id").asString())).query(String.class).single();
            assertThat(r.get("bulk").asBoolean()).as(from)
                    .isEqualTo(bulk.isBulk(digest, Instant.parse(r.get("received_at").asString())));
        }
        JsonNode m = byId.get(mailing.toString());
        assertThat(m.get("bulk").asBoolean()).isTrue();
        assertThat(m.get("sender_first_seen").asString()).isEqualTo("2026-11-20T10:30:00Z");
        assertThat(m.get("domain_first_seen").asString()).isEqualTo("2026-01-05T08:00:00Z");
        assertThat(m.get("domain_reputation").get("fetch_ratio").asDouble()).isEqualTo(0.25);
        assertThat(m.get("domain_reputation").get("refused").asLong()).isEqualTo(1);
        assertThat(byId.get(personal.toString()).get("bulk").asBoolean()).isFalse();
        JsonNode s = byId.get(stranger.toString());
        assertThat(s.has("sender_first_seen")).as("never seen before: omitted, as before").isFalse();
        assertThat(s.get("sender_reputation").get("received").asLong()).isZero();
        assertThat(s.get("sender_reputation").has("fetch_ratio")).isFalse();
        assertThat(s.get("sender_reputation").get("sender").asString()).isEqualTo("eve@unknown.example");
        // and one request alone reads the same as in the list
        String one = mvc.perform(get("/api/v1/inbox/requests/" + mailing).with(jwt().jwt(j -> j.subject(mailbox))))
                .andReturn().getResponse().getContentAsString();
        assertThat(json.readTree(one)).isEqualTo(m);
    }

    @Test
    void pagesOfALimitHoldEveryWaitingRequestOnceNewestFirstAndTheLastHasNoNext() throws Exception {
        Instant start = Instant.now().truncatedTo(ChronoUnit.MICROS).minus(Duration.ofHours(1));
        Set<String> waiting = new HashSet<>();
        for (int i = 0; i < 7; i++) {
            // two at the same instant: the id orders them, and neither is lost between pages
            Instant at = start.plusSeconds(i == 4 ? 3 : i);
            waiting.add(request("ann@shop.example", digest("page" + i + mailbox), at, mailbox).toString());
        }
        UUID declined = request("ann@shop.example", digest("declined" + mailbox), start.plusSeconds(9), mailbox);
        jdbc.sql("UPDATE notice SET state = 'declined' WHERE id = ?").param(declined).update();

        List<String> seen = new ArrayList<>();
        List<Instant> created = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = list("?limit=3" + (cursor == null ? "" : "&cursor=" + cursor));
            sizes.add(page.get("requests").size());
            for (JsonNode r : page.get("requests")) {
                seen.add(r.get("id").asString());
                created.add(jdbc.sql("SELECT created_at FROM notice WHERE id = ?")
                        .param(UUID.fromString(r.get("id").asString())).query(Timestamp.class).single().toInstant());
            }
            cursor = page.has("next") ? page.get("next").asString() : null;
        } while (cursor != null && sizes.size() < 10);

        assertThat(sizes).containsExactly(3, 3, 1);
        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(waiting);
        assertThat(created).isSortedAccordingTo((a, b) -> b.compareTo(a));
        assertThat(list("?limit=7").has("next")).as("a page that holds the rest has no next").isFalse();
        assertThat(list("?limit=6").has("next")).isTrue();
    }

    @Test
    void aCursorNoListGaveOrALimitOutOfRangeIsA400Problem() throws Exception {
        request("ann@shop.example", digest("cursor" + mailbox), Instant.now(), mailbox);
        List<String> forged = List.of("garbage!",
                new PageCursor(null, UUID.randomUUID().toString()).encode(),          // a name-ordered list's
                new PageCursor(Instant.now(), "not-a-uuid").encode(),
                new PageCursor(Instant.now(), "' OR 1=1 --").encode());
        for (String cursor : forged) {
            mvc.perform(get("/api/v1/inbox/requests?cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8))
                            .with(jwt().jwt(j -> j.subject(mailbox))))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.detail").exists());
        }
        // a limit above the most a page holds is served as the most (PageCursor), as lists did before they paged
        assertThat(list("?limit=501").get("requests")).hasSize(1);
        for (String limit : List.of("0", "-1", "lots")) {
            mvc.perform(get("/api/v1/inbox/requests?limit=" + limit).with(jwt().jwt(j -> j.subject(mailbox))))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        }
        assertThat(list("?limit=500").get("requests")).hasSize(1);
    }

    @Test
    void listingFiftyRequestsTakesAsFewStatementsAsListingOne() throws Exception {
        Instant now = Instant.now();
        request("ann@shop.example", digest("first" + mailbox), now.minusSeconds(100), mailbox);
        statements.start();
        assertThat(list("").get("requests")).hasSize(1);
        int forOne = statements.stop();

        for (int i = 0; i < 49; i++) {
            request("sender" + i + "@shop" + i + ".example", digest("many" + i + mailbox), now.minusSeconds(i), mailbox);
        }
        statements.start();
        assertThat(list("").get("requests")).hasSize(50);
        int forFifty = statements.stop();

        // the mailbox check and the list itself
        assertThat(forFifty).isEqualTo(forOne).isBetween(1, 3);
    }
}
