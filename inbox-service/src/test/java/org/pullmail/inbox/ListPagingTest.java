package org.pullmail.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
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
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.service.PageCursor;
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

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Every list of the inbox's API pages by cursor: pages of the limit asked for, each entry once, in the
 * list's order, {@code next} on every page but the last; a cursor no list gave is a 400 problem. And the
 * user's and the domain's rules behave as before through their new services.
 */
@SpringBootTest
@AutoConfigureMockMvc
class ListPagingTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "inbox_list_paging_test");
    }

    static final RequestPostProcessor ADMIN = jwt().jwt(j -> j.subject("admin@alpha.test"))
            .authorities(new SimpleGrantedAuthority("ROLE_USER"), new SimpleGrantedAuthority("ROLE_ADMIN"));

    @Autowired
    MockMvc mvc;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    ObjectMapper json;

    String mailbox;
    RequestPostProcessor user;

    @BeforeEach
    void mailbox() {
        mailbox = "u" + UUID.randomUUID().toString().substring(0, 8) + "@alpha.test";
        jdbc.sql("INSERT INTO mailbox (address) VALUES (?)").param(mailbox).update();
        user = jwt().jwt(j -> j.subject(mailbox));
    }

    /** All pages of a list at {@code limit} a page, checking each page on the way. */
    List<JsonNode> walk(String path, String field, int limit, RequestPostProcessor who) throws Exception {
        List<JsonNode> entries = new ArrayList<>();
        String cursor = null;
        for (int pages = 0; pages < 50; pages++) {
            String query = path + (path.contains("?") ? "&" : "?") + "limit=" + limit
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            JsonNode page = json.readTree(mvc.perform(get(query).with(who)).andExpect(status().isOk())
                    .andReturn().getResponse().getContentAsString());
            JsonNode shown = page.get(field);
            assertThat(shown.size()).as(query).isLessThanOrEqualTo(limit);
            shown.forEach(entries::add);
            if (!page.has("next")) {
                return entries;
            }
            assertThat(shown.size()).as("a page with a next is full: " + query).isEqualTo(limit);
            cursor = page.get("next").asString();
        }
        throw new AssertionError("more than 50 pages of " + path);
    }

    JsonNode whole(String path, RequestPostProcessor who) throws Exception {
        return json.readTree(mvc.perform(get(path + (path.contains("?") ? "&" : "?") + "limit=500").with(who))
                .andExpect(status().isOk()).andReturn().getResponse().getContentAsString());
    }

    void refused(String path, String cursor, RequestPostProcessor who) throws Exception {
        mvc.perform(get(path + "?cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)).with(who))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
    }

    @Test
    void aUsersListsPageInEntryOrderAndAnEntryMovesBetweenThem() throws Exception {
        List<String> contacts = List.of("amy@a.example", "bo@b.example", "c.example", "dan@d.example", "e.example");
        // an address's domain is lowercased, a domain entry too
        for (String entry : List.of("E.example", "c.example", "dan@D.Example", "amy@a.example", "bo@b.example")) {
            mvc.perform(put("/api/v1/inbox/contacts/" + entry).with(user)).andExpect(status().isNoContent());
        }
        mvc.perform(put("/api/v1/inbox/blocklist/spam.example").with(user)).andExpect(status().isNoContent());

        assertThat(walk("/api/v1/inbox/contacts", "entries", 2, user)).extracting(JsonNode::asString)
                .containsExactlyElementsOf(contacts);
        assertThat(whole("/api/v1/inbox/blocklist", user).get("entries")).extracting(JsonNode::asString)
                .containsExactly("spam.example");
        assertThat(whole("/api/v1/inbox/blocklist", user).has("next")).isFalse();

        // putting a contact on the block list moves it; removing it from a list it is not on is a 404
        mvc.perform(put("/api/v1/inbox/blocklist/c.example").with(user)).andExpect(status().isNoContent());
        assertThat(whole("/api/v1/inbox/contacts", user).get("entries")).extracting(JsonNode::asString)
                .doesNotContain("c.example");
        mvc.perform(delete("/api/v1/inbox/contacts/c.example").with(user)).andExpect(status().isNotFound());
        mvc.perform(delete("/api/v1/inbox/blocklist/c.example").with(user)).andExpect(status().isNoContent());
        mvc.perform(put("/api/v1/inbox/contacts/not..valid").with(user))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        mvc.perform(get("/api/v1/inbox/contacts?limit=0").with(user)).andExpect(status().isBadRequest());
        mvc.perform(get("/api/v1/inbox/contacts?cursor=%21%21").with(user)).andExpect(status().isBadRequest());
    }

    @Test
    void aUsersStrangerPolicyFollowsTheDomainsUntilTheyChooseOne() throws Exception {
        mvc.perform(put("/api/v1/admin/inbound/policy").with(ADMIN).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"stranger_policy\": \"fetch_verified\"}"))
                .andExpect(status().isOk()).andExpect(jsonPath("$.stranger_policy").value("fetch_verified"));
        mvc.perform(get("/api/v1/inbox/policy").with(user))
                .andExpect(jsonPath("$.stranger_policy").doesNotExist())
                .andExpect(jsonPath("$.effective").value("fetch_verified"));
        mvc.perform(put("/api/v1/inbox/policy").with(user).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"stranger_policy\": \"refuse\"}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.stranger_policy").value("refuse"))
                .andExpect(jsonPath("$.effective").value("refuse"));
        mvc.perform(put("/api/v1/inbox/policy").with(user).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"stranger_policy\": \"sometimes\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value("stranger_policy is hold, fetch_verified or refuse"));
        mvc.perform(get("/api/v1/inbox/policy").with(user)).andExpect(jsonPath("$.stranger_policy").value("refuse"));
        mvc.perform(put("/api/v1/inbox/policy").with(user).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"stranger_policy\": null}"))
                .andExpect(jsonPath("$.stranger_policy").doesNotExist())
                .andExpect(jsonPath("$.effective").value("fetch_verified"));
        mvc.perform(put("/api/v1/admin/inbound/policy").with(ADMIN).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"stranger_policy\": \"hold\"}"))
                .andExpect(status().isOk());
        mvc.perform(put("/api/v1/admin/inbound/policy").with(ADMIN).contentType(MediaType.APPLICATION_JSON)
                        .content("{}"))
                .andExpect(status().isBadRequest());
        mvc.perform(get("/api/v1/admin/inbound/policy").with(ADMIN)).andExpect(jsonPath("$.stranger_policy").value("hold"));
    }

    @Test
    void theDomainsRulesPageAllowsFirstThenBlocksEachByEntry() throws Exception {
        String tag = mailbox.substring(1, 9);
        for (String entry : List.of("c", "a", "e")) {
            mvc.perform(put("/api/v1/admin/inbound/allowlist/" + entry + tag + ".example").with(ADMIN))
                    .andExpect(status().isNoContent());
        }
        for (String entry : List.of("d", "b")) {
            mvc.perform(put("/api/v1/admin/inbound/blocklist/" + entry + tag + ".example").with(ADMIN))
                    .andExpect(status().isNoContent());
        }
        List<String> all = new ArrayList<>();
        whole("/api/v1/admin/inbound/rules", ADMIN).get("rules")
                .forEach(r -> all.add(r.get("kind").asString() + " " + r.get("entry").asString()));
        assertThat(all).isSortedAccordingTo(String::compareTo);
        assertThat(all).containsSubsequence("allow a" + tag + ".example", "allow c" + tag + ".example",
                "allow e" + tag + ".example", "block b" + tag + ".example", "block d" + tag + ".example");
        List<String> paged = new ArrayList<>();
        walk("/api/v1/admin/inbound/rules", "rules", 2, ADMIN)
                .forEach(r -> paged.add(r.get("kind").asString() + " " + r.get("entry").asString()));
        assertThat(paged).isEqualTo(all);
        assertThat(whole("/api/v1/admin/inbound/rules", ADMIN).get("rules").get(0).get("created_by").asString())
                .isEqualTo("admin@alpha.test");

        mvc.perform(delete("/api/v1/admin/inbound/blocklist/a" + tag + ".example").with(ADMIN))
                .andExpect(status().isNotFound());
        mvc.perform(delete("/api/v1/admin/inbound/allowlist/a" + tag + ".example").with(ADMIN))
                .andExpect(status().isNoContent());
        refused("/api/v1/admin/inbound/rules", new PageCursor(null, "contact x.example").encode(), ADMIN);
        refused("/api/v1/admin/inbound/rules", new PageCursor(null, "nospace").encode(), ADMIN);
        mvc.perform(get("/api/v1/admin/inbound/rules").with(user)).andExpect(status().isForbidden());
    }

    @Test
    void sendersPageMostNotificationsFirstThenByName() throws Exception {
        String tag = mailbox.substring(1, 9);
        long base = 1_000_000 + Math.abs((long) tag.hashCode() % 1000) * 100;
        // above every other test's counters, so these five are the top of the list; two tie
        jdbc.sql("""
                INSERT INTO sender_reputation (sender, received, fetched) VALUES
                (:a, :top, 1), (:b, :mid, 2), (:c, :mid, 3), (:d, :low, 4), (:e, :low - 1, 5), (:addr, :top + 5, 0)""")
                .param("a", "a" + tag + ".example").param("b", "b" + tag + ".example").param("c", "c" + tag + ".example")
                .param("d", "d" + tag + ".example").param("e", "e" + tag + ".example")
                .param("addr", "x@" + tag + ".example")
                .param("top", base + 50).param("mid", base + 40).param("low", base + 30)
                .update();
        List<String> paged = new ArrayList<>();
        walk("/api/v1/admin/inbound/senders", "senders", 2, ADMIN).stream().limit(5)
                .forEach(s -> paged.add(s.get("sender").asString()));
        assertThat(paged).containsExactly("a" + tag + ".example", "b" + tag + ".example", "c" + tag + ".example",
                "d" + tag + ".example", "e" + tag + ".example");
        // limits beyond a page were clamped before pages existed; they still are
        mvc.perform(get("/api/v1/admin/inbound/senders?limit=1000").with(ADMIN)).andExpect(status().isOk());
        refused("/api/v1/admin/inbound/senders", new PageCursor(null, "many " + tag).encode(), ADMIN);
        refused("/api/v1/admin/inbound/senders", new PageCursor(Instant.now(), "5 x.example").encode(), ADMIN);
    }

    @Test
    void bulkDigestsPageMostRecipientsFirst() throws Exception {
        String tag = mailbox.substring(1, 9);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        notify("news@" + tag + ".example", "sha-256=:" + tag + "a:", now, 14);
        notify("news@" + tag + ".example", "sha-256=:" + tag + "b:", now, 12);
        notify("news@" + tag + ".example", "sha-256=:" + tag + "c:", now, 12);
        notify("news@" + tag + ".example", "sha-256=:" + tag + "d:", now, 3);

        List<String> paged = new ArrayList<>();
        List<Long> recipients = new ArrayList<>();
        walk("/api/v1/admin/inbound/bulk", "digests", 1, ADMIN).forEach(d -> {
            if (d.get("digest").asString().contains(tag)) {
                paged.add(d.get("digest").asString());
                recipients.add(d.get("recipients").asLong());
            }
        });
        assertThat(paged).containsExactly("sha-256=:" + tag + "a:", "sha-256=:" + tag + "b:", "sha-256=:" + tag + "c:");
        assertThat(recipients).containsExactly(14L, 12L, 12L);
        refused("/api/v1/admin/inbound/bulk", new PageCursor(null, "twelve sha").encode(), ADMIN);
    }

    /** One notification of {@code digest} held for {@code recipients} local mailboxes. */
    void notify(String sender, String digest, Instant at, int recipients) {
        UUID notification = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO notification (id, sender_domain, notification_id, sender, subject, size, digest, fetch_url,
                                          sent_at, expires_at, received_at)
                VALUES (?, ?, ?, ?, 'News', 100, ?, 'https://news.example/pmp/v1/messages/x', ?, ?, ?)""")
                .params(notification, sender.substring(sender.indexOf('@') + 1), notification.toString(), sender, digest,
                        Timestamp.from(at), Timestamp.from(at.plus(Duration.ofDays(30))), Timestamp.from(at))
                .update();
        for (int i = 0; i < recipients; i++) {
            String recipient = "r" + i + "@alpha.test";
            jdbc.sql("INSERT INTO mailbox (address) VALUES (?) ON CONFLICT DO NOTHING").param(recipient).update();
            jdbc.sql("""
                    INSERT INTO notice (id, notification, recipient, token, state, created_at)
                    VALUES (?, ?, ?, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'requested', ?)""")
                    .params(UUID.randomUUID(), notification, recipient, Timestamp.from(at)).update();
        }
    }

    @Test
    void messagesPageNewestFirst() throws Exception {
        Instant start = Instant.now().truncatedTo(ChronoUnit.MICROS).minus(Duration.ofHours(2));
        List<String> newestFirst = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            newestFirst.add(0, message(i == 3 ? start.plusSeconds(2) : start.plusSeconds(i)).toString());
        }
        List<String> paged = new ArrayList<>();
        walk("/api/v1/inbox/messages", "messages", 2, user).forEach(m -> paged.add(m.get("id").asString()));
        assertThat(paged).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(newestFirst);
        List<String> whole = new ArrayList<>();
        whole("/api/v1/inbox/messages", user).get("messages").forEach(m -> whole.add(m.get("id").asString()));
        assertThat(paged).isEqualTo(whole);
        assertThat(whole.get(0)).isEqualTo(newestFirst.get(0));
        assertThat(whole.get(4)).isEqualTo(newestFirst.get(4));
        refused("/api/v1/inbox/messages", new PageCursor(null, UUID.randomUUID().toString()).encode(), user);
        mvc.perform(get("/api/v1/inbox/messages?limit=0").with(user)).andExpect(status().isBadRequest());
        // above the most a page holds: served as the most (PageCursor), as lists did before they paged
        mvc.perform(get("/api/v1/inbox/messages?limit=501").with(user)).andExpect(status().isOk())
                .andExpect(jsonPath("$.messages.length()").value(5));
    }

    /** A message stored in the mailbox at {@code at}. */
    UUID message(Instant at) {
        UUID notification = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO notification (id, sender_domain, notification_id, sender, subject, size, digest, fetch_url,
                                          sent_at, expires_at, received_at)
                VALUES (?, 'shop.example', ?, 'ann@shop.example', 'Hello', 5, 'sha-256=:x:',
                        'https://shop.example/pmp/v1/messages/x', ?, ?, ?)""")
                .params(notification, notification.toString(), Timestamp.from(at),
                        Timestamp.from(at.plus(Duration.ofDays(30))), Timestamp.from(at))
                .update();
        UUID notice = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO notice (id, notification, recipient, token, state, created_at)
                VALUES (?, ?, ?, '', 'stored', ?)""").params(notice, notification, mailbox, Timestamp.from(at)).update();
        UUID message = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO message (id, notice, mailbox, sender, subject, size, received_at)
                VALUES (?, ?, ?, 'ann@shop.example', 'Hello', 5, ?)""")
                .params(message, notice, mailbox, Timestamp.from(at)).update();
        return message;
    }
}
