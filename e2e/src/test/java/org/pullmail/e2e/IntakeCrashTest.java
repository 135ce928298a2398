package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.testing.PeerDomains;
import org.pullmail.testing.TestDatabases;

/**
 * The inbox stores notifications by group commit, answering each only after its batch commits. Here it is
 * killed (SIGKILL) while batches are in flight: every notification it answered must be stored with the
 * answer it was given, nothing half stored, and once it runs again the senders' retries store each of
 * the others exactly once and get the first answer for those stored before.
 */
class IntakeCrashTest {

    static final int CLIENTS = 8;
    static final int PER_CLIENT = 8;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static PeerDomains peers;
    static Domain iota;
    static String database;

    @BeforeAll
    static void start() throws Exception {
        peers = new PeerDomains("crowd.test");
        iota = new Domain("iota.test", Map.of("crowd.test", peers.peer("crowd.test").base()), List.of(), "unused");
        database = TestDatabases.database("iota_test_inbox");
        // a domain none of whose mail is fetched is refused after 20 notifications; here every notification is held
        iota.addArgs("inbox-service", "--pullmail.inbox.reputation.min-notifications=1000");
        iota.start("inbox-service");
        awaitInbox();
        for (int i = 0; i < CLIENTS * PER_CLIENT; i++) {
            HTTP.send(HttpRequest.newBuilder(URI.create(iota.serviceUrl("inbox-service") + "/internal/v1/mailboxes/user" + i
                    + "@iota.test")).header("Authorization", iota.internalAuthorization())
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    @AfterAll
    static void stop() throws Exception {
        iota.close();
        peers.close();
    }

    @Test
    void aCrashMidBatchLosesNoAnsweredNotificationAndDuplicatesNone() throws Exception {
        PeerDomains.Peer crowd = peers.peer("crowd.test");
        List<Notification> all = new ArrayList<>();
        for (int i = 0; i < CLIENTS * PER_CLIENT; i++) {
            all.add(notification(crowd, "user" + i + "@iota.test"));
        }
        // each batch takes a quarter of a second in the database, so the kill finds one under way
        sql("CREATE FUNCTION slow_batch() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(0.25); RETURN NULL; END $$"
                + " LANGUAGE plpgsql");
        sql("CREATE TRIGGER slow_batch AFTER INSERT ON notification FOR EACH STATEMENT EXECUTE FUNCTION slow_batch()");

        Map<String, String> answered = new ConcurrentHashMap<>();
        AtomicInteger unanswered = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.submit(() -> {
                for (int k = 0; k < PER_CLIENT; k++) {
                    Notification n = all.get(client * PER_CLIENT + k);
                    try {
                        HttpResponse<String> r = send(crowd, n);
                        if (r.statusCode() == 200) {
                            answered.put(n.id(), r.body());
                        } else {
                            unanswered.incrementAndGet();
                        }
                    } catch (IOException | InterruptedException e) {
                        unanswered.incrementAndGet();
                    }
                }
                return null;
            });
        }
        await("some notifications answered").atMost(Duration.ofSeconds(30)).until(() -> answered.size() >= 12);
        iota.kill("inbox-service");
        clients.shutdown();
        assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        assertThat(unanswered.get()).as("the kill left notifications unanswered").isPositive();

        // every answered notification is stored, with the receipt it was answered with; nothing half stored
        Map<String, String> stored = receipts();
        answered.forEach((id, receipt) -> assertThat(stored).containsEntry(id, receipt));
        assertThat(count("SELECT count(*) FROM notification f WHERE NOT EXISTS"
                + " (SELECT 1 FROM notification_receipt r WHERE r.notification = f.id)")).isZero();
        assertThat(count("SELECT count(*) FROM notification")).isEqualTo(count("SELECT count(*) FROM notice"));

        // started again, every notification sent again (as a sender retries): each stored once
        sql("DROP TRIGGER slow_batch ON notification");
        iota.start("inbox-service");
        awaitInbox();
        for (Notification n : all) {
            HttpResponse<String> r = send(crowd, n);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            if (answered.containsKey(n.id())) {
                assertThat(r.body()).as("a repeat gets the first answer").isEqualTo(answered.get(n.id()));
            }
        }
        assertThat(count("SELECT count(*) FROM notification")).isEqualTo(all.size());
        assertThat(count("SELECT count(*) FROM notice")).isEqualTo(all.size());
        assertThat(count("SELECT count(*) FROM mailbox_event WHERE type = 'request'")).isEqualTo(all.size());
    }

    static Notification notification(PeerDomains.Peer from, String recipient) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String id = UUID.randomUUID().toString();
        byte[] token = new byte[32];
        new SecureRandom().nextBytes(token);
        return new Notification(id, "news@" + from.domain,
                List.of(new Notification.Recipient(recipient, Base64.getUrlEncoder().withoutPadding().encodeToString(token))),
                "Issue " + id.substring(0, 8), 1000, ContentDigest.sha256(id.getBytes(StandardCharsets.UTF_8)),
                from.base() + Pmp.FETCH_PATH + "/" + id, now, now.plus(Duration.ofDays(7)));
    }

    /** Signed afresh each time (a new nonce), as a sender's retry is. */
    static HttpResponse<String> send(PeerDomains.Peer from, Notification n) throws IOException, InterruptedException {
        Map<String, String> headers = new LinkedHashMap<>(Map.of("Content-Type", "application/json"));
        HttpRequest.Builder request = from.signed("POST", URI.create(iota.url() + Pmp.NOTIFY_PATH),
                URI.create(iota.serviceUrl("inbox-service") + Pmp.NOTIFY_PATH), PmpJson.write(n),
                SignatureProfile.NOTIFICATION, headers, from.signer());
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void awaitInbox() {
        URI health = URI.create(iota.serviceUrl("inbox-service") + "/actuator/health/readiness");
        await("iota.test inbox ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!iota.alive("inbox-service")) {
                throw new IllegalStateException("the inbox stopped while starting:\n" + iota.tail("inbox-service"));
            }
            try {
                return HTTP.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    static Connection connect() throws Exception {
        return DriverManager.getConnection(database, TestDatabases.server().username(), TestDatabases.server().password());
    }

    static void sql(String statement) throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    static long count(String query) throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static Map<String, String> receipts() throws Exception {
        Map<String, String> receipts = new HashMap<>();
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT f.notification_id, r.receipt FROM notification f"
                        + " JOIN notification_receipt r ON r.notification = f.id")) {
            while (rs.next()) {
                receipts.put(rs.getString(1), rs.getString(2));
            }
        }
        return receipts;
    }
}
