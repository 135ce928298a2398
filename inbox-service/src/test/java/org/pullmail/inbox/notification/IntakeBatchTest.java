package org.pullmail.inbox.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pullmail.inbox.InboxApplication;
import org.pullmail.inbox.Notifications;
import org.pullmail.protocol.Notification;
import org.pullmail.testing.PeerDomains;
import org.pullmail.testing.TestDatabases;
import org.pullmail.testing.TestInternalSecret;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Notifications stored by group commit: many in one transaction, each answered as if it had come alone.
 * A trigger in the test database holds one batch for three seconds (so that the next notifications gather
 * into one batch behind it) and refuses the notification with the subject "poison", as a database
 * refuses a row.
 */
class IntakeBatchTest {

    static PeerDomains peers;
    static ConfigurableApplicationContext inbox;
    static int port;
    static JdbcClient jdbc;

    @BeforeAll
    static void start() throws Exception {
        peers = new PeerDomains("sender.test", "other.test");
        String url = TestDatabases.database("inbox_batch_test");
        inbox = new SpringApplicationBuilder(InboxApplication.class).run("--server.port=0",
                "--spring.datasource.url=" + url, "--spring.datasource.username=" + TestDatabases.server().username(),
                "--spring.datasource.password=" + TestDatabases.server().password(), "--pullmail.domain=alpha.test",
                "--pullmail.public-url=" + Notifications.PUBLIC_URL,
                "--pullmail.internal-secret=" + TestInternalSecret.VALUE,
                "--pullmail.discovery.overrides.[sender.test]=" + peers.peer("sender.test").base(),
                "--pullmail.discovery.overrides.[other.test]=" + peers.peer("other.test").base());
        port = ((WebServerApplicationContext) inbox).getWebServer().getPort();
        List<String> mailboxes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            mailboxes.add("user" + i + "@alpha.test");
        }
        Notifications.provision(port, mailboxes.toArray(String[]::new));
        jdbc = inbox.getBean(JdbcClient.class);
        jdbc.sql("CREATE FUNCTION intake_trap() RETURNS trigger AS $$ BEGIN"
                + " IF NEW.subject = 'slow' THEN PERFORM pg_sleep(3); END IF;"
                + " IF NEW.subject = 'poison' THEN RAISE EXCEPTION 'this notification is refused by the database'; END IF;"
                + " RETURN NEW; END $$ LANGUAGE plpgsql").update();
        jdbc.sql("CREATE TRIGGER intake_trap BEFORE INSERT ON notification FOR EACH ROW EXECUTE FUNCTION intake_trap()")
                .update();
    }

    @AfterAll
    static void stop() {
        inbox.close();
        peers.close();
    }

    @Test
    void aBatchWithOneBadNotificationFailsOnlyThatOne() throws Exception {
        PeerDomains.Peer sender = peers.peer("sender.test");
        ExecutorService clients = Executors.newFixedThreadPool(12);
        try {
            Notification slow = Notifications.notification(sender, "news@sender.test", Notifications.digestOf("slow"),
                    "slow", "user0@alpha.test");
            CompletableFuture<HttpResponse<String>> first = send(clients, sender, slow);
            await("the first batch in the database").atMost(Duration.ofSeconds(10))
                    .until(() -> jdbc.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
                            .query(Integer.class).single() == 1);

            List<Notification> good = new ArrayList<>();
            for (int i = 1; i <= 8; i++) {
                good.add(Notifications.notification(sender, "news@sender.test", Notifications.digestOf("good" + i),
                        "Issue " + i, "user" + i + "@alpha.test"));
            }
            Notification poison = Notifications.notification(peers.peer("other.test"), "ann@other.test",
                    Notifications.digestOf("poison"), "poison", "user9@alpha.test");
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (Notification n : good) {
                answers.add(send(clients, sender, n));
            }
            CompletableFuture<HttpResponse<String>> refused = send(clients, peers.peer("other.test"), poison);
            // the same notification twice in one batch: one copy stored, both get its receipt
            CompletableFuture<HttpResponse<String>> repeat = send(clients, sender, good.get(0));
            await("all ten waiting for the next batch").atMost(Duration.ofSeconds(10))
                    .until(() -> inbox.getBean(NotificationIntake.class).waiting() == 10);

            assertThat(first.get().statusCode()).as(first.get().body()).isEqualTo(200);
            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                assertThat(answer.get().statusCode()).as(answer.get().body()).isEqualTo(200);
                assertThat(answer.get().body()).contains("\"outcome\":\"accepted\"");
            }
            assertThat(repeat.get().statusCode()).isEqualTo(200);
            assertThat(repeat.get().body()).isEqualTo(answers.get(0).get().body());
            assertThat(refused.get().statusCode()).as(refused.get().body()).isEqualTo(503);
            assertThat(refused.get().headers().firstValue("Content-Type")).hasValueSatisfying(
                    v -> assertThat(v).startsWith("application/problem+json"));
            assertThat(refused.get().headers().firstValue("Retry-After")).isPresent();

            double largest = inbox.getBean(MeterRegistry.class).get("pullmail.intake.batch.size").summary().max();
            assertThat(largest).as("the ten were offered to the database as one batch").isGreaterThanOrEqualTo(10);
            assertThat(jdbc.sql("SELECT count(*) FROM notification WHERE sender_domain = 'sender.test'")
                    .query(Integer.class).single()).isEqualTo(9);
            assertThat(jdbc.sql("SELECT count(*) FROM notice n JOIN notification f ON f.id = n.notification"
                    + " JOIN notification_receipt r ON r.notification = f.id WHERE f.sender_domain = 'sender.test'")
                    .query(Integer.class).single()).isEqualTo(9);
            assertThat(jdbc.sql("SELECT count(*) FROM notification WHERE sender_domain = 'other.test'")
                    .query(Integer.class).single()).as("nothing of the refused one").isZero();

            // once the database takes it, the same notification sent again is judged afresh and stored
            jdbc.sql("DROP TRIGGER intake_trap ON notification").update();
            HttpResponse<String> again = send(clients, peers.peer("other.test"), poison).get();
            assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
            assertThat(again.body()).contains("\"outcome\":\"accepted\"");
        } finally {
            clients.shutdownNow();
        }
    }

    static CompletableFuture<HttpResponse<String>> send(ExecutorService clients, PeerDomains.Peer from, Notification n) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Notifications.send(from, n, port, Map.of());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, clients);
    }
}
