package org.pullmail.inbox.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
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

/** What a request shows, what declining does, and how requests expire. */
@SpringBootTest
@AutoConfigureMockMvc
class RequestDecisionTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "inbox_component_test");
    }

    static final String BOB = "bob@alpha.test";

    @Autowired
    MockMvc mvc;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    RequestExpiry expiry;

    @BeforeEach
    void mailbox() {
        jdbc.sql("INSERT INTO mailbox (address) VALUES (?), ('carol@alpha.test') ON CONFLICT DO NOTHING").param(BOB).update();
    }

    /** A held notification from {@code sender} to the given mailboxes, all with the same digest. */
    UUID request(String sender, String digest, Instant createdAt, String... mailboxes) {
        UUID notification = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO notification (id, sender_domain, notification_id, sender, subject, size, digest, fetch_url,
                                          sent_at, expires_at, received_at)
                VALUES (?, ?, ?, ?, 'Offer', 1234, ?, 'https://news.example/pmp/v1/messages/x', ?, ?, ?)""")
                .params(notification, sender.substring(sender.indexOf('@') + 1), notification.toString(), sender, digest,
                        Timestamp.from(createdAt), Timestamp.from(createdAt.plus(Duration.ofDays(30))),
                        Timestamp.from(createdAt))
                .update();
        UUID first = null;
        for (String mailbox : mailboxes) {
            jdbc.sql("INSERT INTO mailbox (address) VALUES (?) ON CONFLICT DO NOTHING").param(mailbox).update();
            UUID notice = UUID.randomUUID();
            jdbc.sql("""
                    INSERT INTO notice (id, notification, recipient, token, state, created_at, policy)
                    VALUES (?, ?, ?, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'requested', ?, 'a stranger')""")
                    .params(notice, notification, mailbox, Timestamp.from(createdAt)).update();
            first = first == null ? notice : first;
        }
        return first;
    }

    @Test
    void aRequestShowsSinceWhenTheSenderIsKnownReputationBulkPreviewAndSize() throws Exception {
        jdbc.sql("INSERT INTO sender_reputation (sender, received, fetched, first_seen) "
                + "VALUES ('shop.example', 40, 10, '2026-01-05T08:00:00Z') "
                + "ON CONFLICT (sender) DO UPDATE SET received = 40, fetched = 10, first_seen = '2026-01-05T08:00:00Z'")
                .update();
        jdbc.sql("INSERT INTO sender_reputation (sender, received, first_seen) "
                + "VALUES ('deals@shop.example', 3, '2026-11-20T10:30:00Z') "
                + "ON CONFLICT (sender) DO UPDATE SET first_seen = '2026-11-20T10:30:00Z'").update();
        String[] many = new String[10];
        many[0] = BOB;
        for (int i = 1; i < 10; i++) {
            many[i] = "user" + i + "@alpha.test";
        }
        UUID bulk = request("deals@shop.example", "sha-256=:bulkbulkbulkbulkbulkbulkbulkbulkbulkbulkbul=:", Instant.now(), many);
        UUID single = request("ann@shop.example", "sha-256=:singlesinglesinglesinglesinglesinglesingle=:", Instant.now(), BOB);

        mvc.perform(get("/api/v1/inbox/requests/" + bulk).with(jwt().jwt(j -> j.subject(BOB))))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.verified_sender").doesNotExist())
                .andExpect(jsonPath("$.sender_first_seen").value("2026-11-20T10:30:00Z"))
                .andExpect(jsonPath("$.domain_first_seen").value("2026-01-05T08:00:00Z"))
                .andExpect(jsonPath("$.bulk").value(true))
                .andExpect(jsonPath("$.subject").value("Offer"))
                .andExpect(jsonPath("$.size").value(1234))
                .andExpect(jsonPath("$.domain_reputation.received").value(40))
                .andExpect(jsonPath("$.domain_reputation.fetch_ratio").value(0.25));
        mvc.perform(get("/api/v1/inbox/requests/" + single).with(jwt().jwt(j -> j.subject(BOB))))
                .andExpect(jsonPath("$.bulk").value(false));
    }

    @Test
    void declineAsSpamReportsTheSenderCountsAgainstItAndCanBlockItsDomain() throws Exception {
        UUID request = request("spammer@junk.example", "sha-256=:junkjunkjunkjunkjunkjunkjunkjunkjunkjunkjun=:",
                Instant.now(), BOB);
        mvc.perform(post("/api/v1/inbox/requests/" + request + "/decline").with(jwt().jwt(j -> j.subject(BOB)))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"reason\":\"spam\",\"block\":\"domain\"}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.state").value("spam"));

        assertThat(jdbc.sql("SELECT kind FROM sender_rule WHERE mailbox = ? AND entry = 'junk.example'").param(BOB)
                .query(String.class).single()).isEqualTo("block");
        assertThat(jdbc.sql("SELECT spam FROM sender_reputation WHERE sender = 'junk.example'").query(Long.class).single())
                .isEqualTo(1);
        assertThat(jdbc.sql("SELECT status FROM job WHERE notice = ? AND kind = 'status'").param(request)
                .query(String.class).single()).isEqualTo("spam");

        mvc.perform(post("/api/v1/inbox/requests/" + request + "/decline").with(jwt().jwt(j -> j.subject(BOB)))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"reason\":\"spam\"}"))
                .andExpect(status().isConflict())
                .andExpect(content().contentTypeCompatibleWith("application/problem+json"));
    }

    @Test
    void anotherUserCannotSeeOrDecideTheRequest() throws Exception {
        UUID request = request("ann@shop.example", "sha-256=:privprivprivprivprivprivprivprivprivprivpri=:",
                Instant.now(), BOB);
        mvc.perform(get("/api/v1/inbox/requests/" + request).with(jwt().jwt(j -> j.subject("carol@alpha.test"))))
                .andExpect(status().isNotFound());
        mvc.perform(post("/api/v1/inbox/requests/" + request + "/accept").with(jwt().jwt(j -> j.subject("carol@alpha.test"))))
                .andExpect(status().isNotFound());
        mvc.perform(get("/api/v1/inbox/requests/" + request)).andExpect(status().isUnauthorized());
    }

    @Test
    void undecidedRequestsExpireAndForgetTheirToken() throws Exception {
        UUID old = request("ann@shop.example", "sha-256=:oldoldoldoldoldoldoldoldoldoldoldoldoldoldo=:",
                Instant.now().minus(Duration.ofDays(15)), BOB);
        UUID fresh = request("ann@shop.example", "sha-256=:newnewnewnewnewnewnewnewnewnewnewnewnewnewn=:",
                Instant.now(), BOB);
        expiry.expire();
        assertThat(jdbc.sql("SELECT state || ':' || token FROM notice WHERE id = ?").param(old).query(String.class).single())
                .isEqualTo("expired:");
        assertThat(jdbc.sql("SELECT state FROM notice WHERE id = ?").param(fresh).query(String.class).single())
                .isEqualTo("requested");
        mvc.perform(post("/api/v1/inbox/requests/" + old + "/accept").with(jwt().jwt(j -> j.subject(BOB))))
                .andExpect(status().isConflict());
    }
}
