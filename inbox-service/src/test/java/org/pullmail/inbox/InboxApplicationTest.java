package org.pullmail.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.pullmail.testing.TestInternalSecret;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class InboxApplicationTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "inbox_app_test");
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Test
    void bootsMigratesItsOwnDatabaseAndReportsHealthy() throws Exception {
        HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"UP\"");
        assertThat(jdbc.sql("SELECT count(*) FROM flyway_schema_history WHERE success").query(Integer.class).single())
                .isPositive();
    }

    /**
     * A sent report makes its correspondents trusted: their mail is fetched at once. Only this domain's outbox, which
     * holds the internal secret, may make one.
     */
    @Test
    void aSentReportWithoutTheDomainsInternalSecretIsRefusedAndTrustsNobody() throws Exception {
        String mailbox = "ivy@alpha.test";
        Notifications.provision(port, mailbox);
        String report = "{\"message_id\":\"forged-1@alpha.test\",\"correspondents\":[\"mallory@evil.test\"],"
                + "\"sent_at\":\"" + Instant.now().minusSeconds(60) + "\"}";
        String wrong = "Bearer " + TestInternalSecret.VALUE.replace('t', 'T');
        for (String authorization : new String[] {null, wrong}) {
            HttpResponse<String> refused = reportSent(mailbox, report, authorization);
            assertThat(refused.statusCode()).as(String.valueOf(authorization)).isEqualTo(401);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/problem+json"));
            assertThat(refused.body()).contains("https://pullmail.org/problems/internal-unauthenticated");
        }
        assertThat(correspondents(mailbox, "mallory@evil.test")).as("nobody learned").isZero();

        HttpResponse<String> admitted = reportSent(mailbox, report, TestInternalSecret.AUTHORIZATION);
        assertThat(admitted.statusCode()).as(admitted.body()).isEqualTo(204);
        assertThat(correspondents(mailbox, "mallory@evil.test")).isOne();
    }

    /**
     * The SMTP bridge asks at RCPT TO whether mail to an address reaches a mailbox: a mailbox's own address and any
     * tag of it do (the tag need not exist, as intake judges it), an address nobody has does not (404), another
     * domain's is a 400, and without the internal secret nobody learns which mailboxes exist.
     */
    @Test
    void theRecipientLookupSaysWhichMailboxAnAddressReachesOnlyToTheDomainsOwnServices() throws Exception {
        String mailbox = "lu" + Instant.now().toEpochMilli() + "@alpha.test";
        Notifications.provision(port, mailbox);
        String local = mailbox.substring(0, mailbox.indexOf('@'));
        HttpResponse<String> own = lookup(mailbox, TestInternalSecret.AUTHORIZATION);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(own.body()).contains("\"mailbox\":\"" + mailbox + "\"");
        HttpResponse<String> tagged = lookup(local + "+news@alpha.test", TestInternalSecret.AUTHORIZATION);
        assertThat(tagged.statusCode()).isEqualTo(200);
        assertThat(tagged.body()).contains("\"mailbox\":\"" + mailbox + "\"");
        // the local part matches regardless of case; the answer is the address as the inbox knows it, tag kept
        String upper = local.toUpperCase(Locale.ROOT);
        HttpResponse<String> shouted = lookup(upper + "@alpha.test", TestInternalSecret.AUTHORIZATION);
        assertThat(shouted.statusCode()).as(shouted.body()).isEqualTo(200);
        assertThat(shouted.body()).contains("\"address\":\"" + mailbox + "\"", "\"mailbox\":\"" + mailbox + "\"");
        HttpResponse<String> shoutedTag = lookup(upper + "+News@alpha.test", TestInternalSecret.AUTHORIZATION);
        assertThat(shoutedTag.statusCode()).as(shoutedTag.body()).isEqualTo(200);
        assertThat(shoutedTag.body()).contains("\"address\":\"" + local + "+News@alpha.test\"",
                "\"mailbox\":\"" + mailbox + "\"");
        assertThat(lookup("nobody" + local + "@alpha.test", TestInternalSecret.AUTHORIZATION).statusCode()).isEqualTo(404);
        assertThat(lookup("nobody+" + local + "@alpha.test", TestInternalSecret.AUTHORIZATION).statusCode()).isEqualTo(404);
        HttpResponse<String> foreign = lookup(local + "@beta.test", TestInternalSecret.AUTHORIZATION);
        assertThat(foreign.statusCode()).isEqualTo(400);
        assertThat(foreign.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(lookup(mailbox, null).statusCode()).isEqualTo(401);
    }

    HttpResponse<String> lookup(String address, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/internal/v1/mailboxes/" + address)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> reportSent(String mailbox, String json, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/internal/v1/mailboxes/" + mailbox + "/sent"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    int correspondents(String mailbox, String address) {
        return jdbc.sql("SELECT count(*) FROM correspondent WHERE mailbox = ? AND address = ?")
                .params(mailbox, address).query(Integer.class).single();
    }
}
