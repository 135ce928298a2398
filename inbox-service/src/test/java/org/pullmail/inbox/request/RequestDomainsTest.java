package org.pullmail.inbox.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

/**
 * Requests that are easy to decide: grouped by sender domain, accepted or declined a whole domain at once (which
 * trusts or blocks it), and a daily digest of what waits on the push stream, made once a day however many
 * replicas try.
 */
@SpringBootTest
@AutoConfigureMockMvc
class RequestDomainsTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "inbox_request_domains_test");
    }

    @Autowired
    MockMvc mvc;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    RequestDigest digest;

    String mailbox() {
        String address = "u" + UUID.randomUUID().toString().substring(0, 8) + "@alpha.test";
        jdbc.sql("INSERT INTO mailbox (address) VALUES (?)").param(address).update();
        return address;
    }

    static RequestPostProcessor as(String mailbox) {
        return jwt().jwt(j -> j.subject(mailbox));
    }

    /** A notice for the mailbox from {@code sender}, in {@code state}, created at {@code createdAt}. */
    UUID notice(String mailbox, String sender, String state, Instant createdAt, Duration lifetime) {
        UUID notification = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO notification (id, sender_domain, notification_id, sender, subject, size, digest, fetch_url,
                                          sent_at, expires_at, received_at)
                VALUES (?, ?, ?, ?, 'Offer', 1234, 'sha-256=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:',
                        'https://x.example/pmp/v1/messages/x', ?, ?, ?)""")
                .params(notification, sender.substring(sender.indexOf('@') + 1), notification.toString(), sender,
                        Timestamp.from(createdAt), Timestamp.from(createdAt.plus(lifetime)), Timestamp.from(createdAt))
                .update();
        UUID notice = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO notice (id, notification, recipient, token, state, created_at, policy, held)
                VALUES (?, ?, ?, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', ?, ?, 'a stranger', true)""")
                .params(notice, notification, mailbox, state, Timestamp.from(createdAt)).update();
        return notice;
    }

    UUID request(String mailbox, String sender, Instant createdAt) {
        return notice(mailbox, sender, "requested", createdAt, Duration.ofDays(30));
    }

    String state(UUID notice) {
        return jdbc.sql("SELECT state FROM notice WHERE id = ?").param(notice).query(String.class).single();
    }

    @Test
    void waitingRequestsAreGroupedBySenderDomainWithTheirSendersAndAge() throws Exception {
        String bob = mailbox();
        String carol = mailbox();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        request(bob, "deals@shop.example", now.minus(Duration.ofHours(5)));
        request(bob, "deals@shop.example", now.minus(Duration.ofHours(3)));
        request(bob, "news@shop.example", now.minus(Duration.ofHours(1)));
        request(bob, "x@junk.example", now.minus(Duration.ofHours(2)));
        // not waiting: decided, expired with its notification, another user's
        notice(bob, "old@shop.example", "declined", now.minus(Duration.ofHours(9)), Duration.ofDays(30));
        notice(bob, "gone@shop.example", "requested", now.minus(Duration.ofDays(8)), Duration.ofDays(7));
        request(carol, "deals@shop.example", now.minus(Duration.ofHours(7)));

        mvc.perform(get("/api/v1/inbox/requests/domains").with(as(bob)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.domains.length()").value(2))
                .andExpect(jsonPath("$.domains[0].domain").value("junk.example"))
                .andExpect(jsonPath("$.domains[0].count").value(1))
                .andExpect(jsonPath("$.domains[1].domain").value("shop.example"))
                .andExpect(jsonPath("$.domains[1].count").value(3))
                .andExpect(jsonPath("$.domains[1].senders[0]").value("deals@shop.example"))
                .andExpect(jsonPath("$.domains[1].senders[1]").value("news@shop.example"))
                .andExpect(jsonPath("$.domains[1].senders.length()").value(2))
                .andExpect(jsonPath("$.domains[1].oldest").value(now.minus(Duration.ofHours(5)).toString()))
                .andExpect(jsonPath("$.domains[1].newest").value(now.minus(Duration.ofHours(1)).toString()))
                .andExpect(jsonPath("$.next").doesNotExist());
        MvcResult first = mvc.perform(get("/api/v1/inbox/requests/domains?limit=1").with(as(bob)))
                .andExpect(jsonPath("$.domains[0].domain").value("junk.example"))
                .andExpect(jsonPath("$.next").isString()).andReturn();
        String next = first.getResponse().getContentAsString().replaceAll(".*\"next\":\"([^\"]+)\".*", "$1");
        mvc.perform(get("/api/v1/inbox/requests/domains?limit=1&cursor=" + next).with(as(bob)))
                .andExpect(jsonPath("$.domains[0].domain").value("shop.example"))
                .andExpect(jsonPath("$.next").doesNotExist());
        mvc.perform(get("/api/v1/inbox/requests/domains?limit=0").with(as(bob))).andExpect(status().isBadRequest());
    }

    @Test
    void acceptingADomainFetchesAllItsRequestsAndTrustsIt() throws Exception {
        String bob = mailbox();
        Instant now = Instant.now();
        UUID a = request(bob, "deals@shop.example", now.minus(Duration.ofHours(2)));
        UUID b = request(bob, "news@shop.example", now.minus(Duration.ofHours(1)));
        UUID other = request(bob, "x@junk.example", now);

        mvc.perform(post("/api/v1/inbox/requests/domains/Shop.Example/accept").with(as(bob)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.domain").value("shop.example"))
                .andExpect(jsonPath("$.accepted").value(2))
                .andExpect(jsonPath("$.trusted").value(true));
        // accepted: fetched now (x.example does not answer, so the fetch may have failed already)
        assertThat(List.of(state(a), state(b))).allMatch(s -> s.equals("fetching") || s.equals("failed"));
        assertThat(jdbc.sql("SELECT count(*) FROM notice WHERE id IN (?, ?) AND decided_at IS NOT NULL").params(a, b)
                .query(Integer.class).single()).isEqualTo(2);
        assertThat(state(other)).isEqualTo("requested");
        assertThat(jdbc.sql("SELECT count(*) FROM job WHERE notice IN (?, ?) AND kind = 'fetch'").params(a, b)
                .query(Integer.class).single()).isEqualTo(2);
        mvc.perform(get("/api/v1/inbox/allowlist").with(as(bob)))
                .andExpect(jsonPath("$.entries[0]").value("shop.example"));
        mvc.perform(post("/api/v1/inbox/requests/domains/shop.example/accept").with(as(bob)))
                .andExpect(jsonPath("$.accepted").value(0));
        mvc.perform(post("/api/v1/inbox/requests/domains/not_a_domain/accept").with(as(bob)))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith("application/problem+json"));
    }

    @Test
    void decliningADomainDeclinesAllItsRequestsAndBlocksItUnlessTold() throws Exception {
        String bob = mailbox();
        Instant now = Instant.now();
        UUID a = request(bob, "x@junk.example", now.minus(Duration.ofHours(2)));
        UUID b = request(bob, "y@junk.example", now.minus(Duration.ofHours(1)));
        UUID kept = request(bob, "ann@shop.example", now);

        mvc.perform(post("/api/v1/inbox/requests/domains/junk.example/decline").with(as(bob))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"reason\":\"maybe\"}"))
                .andExpect(status().isBadRequest());
        assertThat(state(a)).as("nothing changed").isEqualTo("requested");

        mvc.perform(post("/api/v1/inbox/requests/domains/junk.example/decline").with(as(bob))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"reason\":\"spam\",\"block\":true}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.declined").value(2))
                .andExpect(jsonPath("$.blocked").value(true));
        assertThat(List.of(state(a), state(b))).containsOnly("spam");
        assertThat(state(kept)).isEqualTo("requested");
        assertThat(jdbc.sql("SELECT count(*) FROM job WHERE notice IN (?, ?) AND kind = 'status' AND status = 'spam'")
                .params(a, b).query(Integer.class).single()).isEqualTo(2);
        mvc.perform(get("/api/v1/inbox/blocklist").with(as(bob)))
                .andExpect(jsonPath("$.entries[0]").value("junk.example"));

        // without a body: declined, and the domain blocked; "block": false leaves the rules alone
        String carol = mailbox();
        UUID c = request(carol, "ann@shop.example", now);
        mvc.perform(post("/api/v1/inbox/requests/domains/shop.example/decline").with(as(carol))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"block\":false}"))
                .andExpect(jsonPath("$.declined").value(1))
                .andExpect(jsonPath("$.blocked").value(false));
        assertThat(state(c)).isEqualTo("declined");
        mvc.perform(get("/api/v1/inbox/blocklist").with(as(carol)))
                .andExpect(jsonPath("$.entries.length()").value(0));
        UUID d = request(carol, "bea@news.example", now);
        mvc.perform(post("/api/v1/inbox/requests/domains/news.example/decline").with(as(carol)))
                .andExpect(jsonPath("$.declined").value(1))
                .andExpect(jsonPath("$.blocked").value(true));
        assertThat(state(d)).isEqualTo("declined");
    }

    @Test
    void decliningAsSpamARequestThatAnswersTheUsersMailStopsThatMessageOpeningTheDoor() throws Exception {
        String bob = mailbox();
        String key = "AAAAAAAAAAAAAAAAAAAAAA";
        jdbc.sql("INSERT INTO sent_message (mailbox, message_id, reply_key, sent_at) VALUES (?, 'm1@alpha.test', ?, now())")
                .params(bob, key).update();
        UUID request = request(bob, "eve@junk.example", Instant.now());
        jdbc.sql("UPDATE notice SET reply_key = ? WHERE id = ?").params(key, request).update();
        mvc.perform(post("/api/v1/inbox/requests/" + request + "/decline").with(as(bob))
                .contentType(MediaType.APPLICATION_JSON).content("{\"reason\":\"spam\"}")).andExpect(status().isOk());
        assertThat(jdbc.sql("SELECT spam_reported_at IS NOT NULL FROM sent_message WHERE mailbox = ?").param(bob)
                .query(Boolean.class).single()).isTrue();
    }

    @Test
    void theDigestIsMadeOnceADayAtItsHourForMailboxesWithRequestsWaiting() throws Exception {
        String bob = mailbox();
        String quiet = mailbox();
        // days to come, so that the service's own schedule (which makes today's) cannot get there first
        LocalDate day = LocalDate.now(ZoneOffset.UTC).plusDays(3);
        Instant at = day.atTime(8, 0).toInstant(ZoneOffset.UTC);
        Instant oldest = Instant.now().minus(Duration.ofHours(30)).truncatedTo(ChronoUnit.SECONDS);
        request(bob, "deals@shop.example", oldest);
        request(bob, "news@shop.example", oldest.plus(Duration.ofHours(2)));
        request(bob, "x@junk.example", oldest.plus(Duration.ofHours(3)));
        notice(quiet, "x@junk.example", "declined", oldest, Duration.ofDays(30));

        assertThat(digest.make(at.minus(Duration.ofMinutes(1)))).as("before its hour").isEqualTo(-1);
        // two replicas at once: one digest
        ExecutorService replicas = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> made = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Callable<Integer> make = () -> digest.make(at.plus(Duration.ofMinutes(1)));
                made.add(replicas.submit(make));
            }
            made.get(0).get();
            made.get(1).get();
        } finally {
            replicas.shutdownNow();
        }
        digest.make(at.plus(Duration.ofHours(5)));
        assertThat(digests(bob)).isEqualTo(1);
        assertThat(digests(quiet)).isZero();
        digest.make(at.plus(Duration.ofDays(1)));
        assertThat(digests(bob)).as("the next day's").isEqualTo(2);

        // on the push stream, with its figures
        MvcResult stream = mvc.perform(get("/api/v1/inbox/events").header("Last-Event-ID", "0").with(as(bob)))
                .andReturn();
        await("the digests on the stream").atMost(Duration.ofSeconds(10))
                .until(() -> stream.getResponse().getContentAsString().split("event:digest").length == 3);
        assertThat(stream.getResponse().getContentAsString())
                .contains("\"type\":\"digest\"")
                .contains("\"count\":3")
                .contains("\"domains\":2")
                .contains("\"oldest\":\"" + oldest + "\"");
    }

    int digests(String mailbox) {
        return jdbc.sql("SELECT count(*) FROM mailbox_event WHERE mailbox = ? AND type = 'digest'").param(mailbox)
                .query(Integer.class).single();
    }
}
