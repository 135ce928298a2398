package org.pullmail.inbox.request;

import static org.hamcrest.Matchers.closeTo;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

/** The admins' figure of requests: how many wait and how long, and how long decided ones had waited. */
@SpringBootTest
@AutoConfigureMockMvc
class RequestFiguresTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "inbox_request_figures_test");
    }

    @Autowired
    MockMvc mvc;
    @Autowired
    JdbcClient jdbc;

    void notice(String mailbox, String state, boolean held, Instant createdAt, Instant decidedAt) {
        UUID notification = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO notification (id, sender_domain, notification_id, sender, subject, size, digest, fetch_url,
                                          sent_at, expires_at, received_at)
                VALUES (?, 'shop.example', ?, 'deals@shop.example', 'Offer', 1234,
                        'sha-256=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:', 'https://x.example/pmp/v1/messages/x',
                        ?, ?, ?)""")
                .params(notification, notification.toString(), Timestamp.from(createdAt),
                        Timestamp.from(createdAt.plus(Duration.ofDays(30))), Timestamp.from(createdAt))
                .update();
        jdbc.sql("""
                INSERT INTO notice (id, notification, recipient, token, state, created_at, decided_at, policy, held)
                VALUES (?, ?, ?, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', ?, ?, ?, 'a stranger', ?)""")
                .params(UUID.randomUUID(), notification, mailbox, state, Timestamp.from(createdAt),
                        decidedAt == null ? null : Timestamp.from(decidedAt), held)
                .update();
    }

    @Test
    void waitingAndDecidedRequestsWithTheMedianAndNinetiethPercentileOfTheirWait() throws Exception {
        mvc.perform(get("/api/v1/admin/inbound/requests").with(jwt().jwt(j -> j.subject("bob@alpha.test"))))
                .andExpect(status().isForbidden());
        jdbc.sql("TRUNCATE notice, notification, job, message, mailbox_event, request_digest CASCADE").update();
        jdbc.sql("INSERT INTO mailbox (address) VALUES ('bob@alpha.test') ON CONFLICT DO NOTHING").update();
        var admin = jwt().jwt(j -> j.subject("admin@alpha.test"))
                .authorities(new SimpleGrantedAuthority("ROLE_USER"), new SimpleGrantedAuthority("ROLE_ADMIN"));
        mvc.perform(get("/api/v1/admin/inbound/requests").with(admin))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.waiting.count").value(0))
                .andExpect(jsonPath("$.waiting.median_seconds").doesNotExist());

        Instant now = Instant.now();
        String bob = "bob@alpha.test";
        // waiting 1, 2, 3 and 4 hours: median 2.5 h, 90th percentile 3.7 h
        for (int hours = 1; hours <= 4; hours++) {
            notice(bob, "requested", true, now.minus(Duration.ofHours(hours)), null);
        }
        // decided after 10, 20 and 30 minutes within the week: median 20 min, 90th percentile 28 min
        Instant day = now.minus(Duration.ofDays(2));
        notice(bob, "declined", true, day, day.plus(Duration.ofMinutes(10)));
        notice(bob, "stored", true, day, day.plus(Duration.ofMinutes(20)));
        notice(bob, "spam", true, day, day.plus(Duration.ofMinutes(30)));
        // not counted as decided: one decided eight days ago, one fetched at once, one that expired undecided
        Instant old = now.minus(Duration.ofDays(8));
        notice(bob, "declined", true, old, old.plus(Duration.ofMinutes(1)));
        notice(bob, "stored", false, day, day.plus(Duration.ofSeconds(5)));
        notice(bob, "expired", true, now.minus(Duration.ofDays(6)), now.minus(Duration.ofDays(1)));

        mvc.perform(get("/api/v1/admin/inbound/requests").with(admin))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.waiting.count").value(4))
                .andExpect(jsonPath("$.waiting.median_seconds").value(closeTo(9000.0, 30.0)))
                .andExpect(jsonPath("$.waiting.p90_seconds").value(closeTo(13320.0, 30.0)))
                .andExpect(jsonPath("$.decided.count").value(3))
                .andExpect(jsonPath("$.decided.median_seconds").value(closeTo(1200.0, 0.5)))
                .andExpect(jsonPath("$.decided.p90_seconds").value(closeTo(1680.0, 0.5)))
                .andExpect(jsonPath("$.expired").value(1))
                .andExpect(jsonPath("$.decided_since").isString());
    }
}
