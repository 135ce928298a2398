package org.pullmail.inbox.notification;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pullmail.inbox.InboxApplication;
import org.pullmail.inbox.Notifications;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.testing.PeerDomains;
import org.pullmail.testing.TestDatabases;
import org.pullmail.testing.TestInternalSecret;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * PROTOCOL.md 8.1: the nonces are kept out of the write-ahead log, so a database crash empties them (and
 * the epoch beside them). A request captured before the crash must not be accepted again.
 */
class ReplayAfterCrashTest {

    static PeerDomains peers;
    static ConfigurableApplicationContext inbox;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        peers = new PeerDomains("sender.test");
        String url = TestDatabases.database("inbox_replay_test");
        inbox = new SpringApplicationBuilder(InboxApplication.class).run("--server.port=0",
                "--spring.datasource.url=" + url, "--spring.datasource.username=" + TestDatabases.server().username(),
                "--spring.datasource.password=" + TestDatabases.server().password(), "--pullmail.domain=alpha.test",
                "--pullmail.public-url=" + Notifications.PUBLIC_URL,
                "--pullmail.internal-secret=" + TestInternalSecret.VALUE,
                "--pullmail.discovery.overrides.[sender.test]=" + peers.peer("sender.test").base());
        port = ((WebServerApplicationContext) inbox).getWebServer().getPort();
        Notifications.provision(port, "carol@alpha.test");
    }

    @AfterAll
    static void stop() {
        inbox.close();
        peers.close();
    }

    @Test
    void aRequestSignedBeforeTheNoncesWereLostIsRefusedUntilSignedAfresh() throws Exception {
        PeerDomains.Peer sender = peers.peer("sender.test");
        Notification n = Notifications.notification(sender, "news@sender.test", Notifications.digestOf("replay"),
                "Captured", "carol@alpha.test");
        HttpRequest captured = sender.signed("POST", URI.create(Notifications.PUBLIC_URL + Pmp.NOTIFY_PATH),
                URI.create("http://127.0.0.1:" + port + Pmp.NOTIFY_PATH), PmpJson.write(n), SignatureProfile.NOTIFICATION,
                Map.of("Content-Type", "application/json"), sender.signer()).build();
        HttpClient http = HttpClient.newHttpClient();
        assertThat(http.send(captured, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        HttpResponse<String> replay = http.send(captured, HttpResponse.BodyHandlers.ofString());
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(replay.body()).contains("nonce-reused");

        // what crash recovery does to unlogged tables: they come back empty
        inbox.getBean(JdbcClient.class).sql("TRUNCATE signature_nonce, signature_nonce_epoch").update();

        HttpResponse<String> afterCrash = http.send(captured, HttpResponse.BodyHandlers.ofString());
        assertThat(afterCrash.statusCode()).as(afterCrash.body()).isEqualTo(503);
        assertThat(afterCrash.body()).contains("temporarily-unavailable");
        assertThat(afterCrash.headers().firstValue("Retry-After")).hasValue("2");
        // and again: it stays refused, however often it is replayed
        assertThat(http.send(captured, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);

        // the sender retries, signed afresh each time, and is accepted once it signs after the reset (idempotent:
        // one notice, however many tries)
        Awaitility.await("a freshly signed retry is accepted").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> Notifications.send(sender, n, port, Map.of()).statusCode() == 200);
        assertThat(inbox.getBean(JdbcClient.class).sql("SELECT count(*) FROM notice WHERE recipient = 'carol@alpha.test'")
                .query(Integer.class).single()).isEqualTo(1);
    }
}
