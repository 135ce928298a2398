package org.pullmail.inbox.notification;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pullmail.inbox.InboxApplication;
import org.pullmail.inbox.Notifications;
import org.pullmail.testing.PeerDomains;
import org.pullmail.testing.TestDatabases;
import org.pullmail.testing.TestInternalSecret;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Two inbox replicas on one database enforce one set of intake limits. */
class IntakeLimitsAcrossReplicasTest {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    static PeerDomains peers;
    static ConfigurableApplicationContext first;
    static ConfigurableApplicationContext second;
    static int[] ports;

    @BeforeAll
    static void start() throws Exception {
        peers = new PeerDomains("limited.test", "other.test", "p1.test", "p2.test", "p3.test", "p4.test", "p5.test",
                "blocked.test", "friend.test", "s1.test", "s2.test", "s3.test", "s4.test", "burst.test", "repeat.test");
        String url = TestDatabases.database("inbox_limits_test");
        Map<String, Object> properties = new HashMap<>(Map.of(
                "server.port", "0",
                "spring.datasource.url", url,
                "spring.datasource.username", TestDatabases.server().username(),
                "spring.datasource.password", TestDatabases.server().password(),
                "pullmail.domain", "alpha.test",
                "pullmail.public-url", Notifications.PUBLIC_URL,
                "pullmail.inbox.limits.per-sender-domain", "5",
                "pullmail.inbox.limits.per-recipient", "3",
                "pullmail.inbox.limits.per-sender-ip", "20",
                "pullmail.inbox.limits.window", "PT1H"));
        properties.put("pullmail.internal-secret", TestInternalSecret.VALUE);
        for (String peer : peers.domains()) {
            properties.put("pullmail.discovery.overrides.[" + peer + "]", peers.peer(peer).base());
        }
        // command-line arguments, so they win over application.yml as in a real deployment
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        first = new SpringApplicationBuilder(InboxApplication.class).run(args);
        second = new SpringApplicationBuilder(InboxApplication.class).run(args);
        ports = new int[] {port(first), port(second)};
        List<String> mailboxes = new ArrayList<>(List.of("carol@alpha.test", "dave@alpha.test", "erin@alpha.test"));
        for (int i = 0; i < 50; i++) {
            mailboxes.add("user" + i + "@alpha.test");
        }
        Notifications.provision(ports[0], mailboxes.toArray(String[]::new));
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
        peers.close();
    }

    static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    static HttpResponse<String> send(String peer, int replica, String recipient, Map<String, String> headers)
            throws Exception {
        PeerDomains.Peer from = peers.peer(peer);
        var n = Notifications.notification(from, "news@" + peer, Notifications.digestOf(peer + recipient + Math.random()),
                "Hello", recipient);
        return Notifications.send(from, n, ports[replica % 2], headers);
    }

    @Test
    void aSenderDomainOverItsLimitGets429OnEveryReplicaAndNothingIsStored() throws Exception {
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> refused = null;
        for (int i = 0; i < 8; i++) {
            HttpResponse<String> r = send("limited.test", i, "user" + i + "@alpha.test", Map.of());
            statuses.add(r.statusCode());
            if (r.statusCode() == 429) {
                refused = r;
            }
        }
        assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 429, 429, 429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(refused.body()).contains("rate-limited");
        JdbcClient jdbc = first.getBean(JdbcClient.class);
        assertThat(jdbc.sql("SELECT count(*) FROM notification WHERE sender_domain = 'limited.test'")
                .query(Integer.class).single()).isEqualTo(5);
    }

    @Test
    void aBurstAtBothReplicasAtOnceGetsExactlyTheLimit() throws Exception {
        // sixteen at once, eight at each replica: they are stored in batches by both, and the limit (5 a window
        // for a sender domain) holds exactly
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int replica = i;
                answers.add(clients.submit(() -> send("burst.test", replica, "user" + (34 + replica) + "@alpha.test",
                        Map.of("X-Pullmail-Client", "192.0.2.77")).statusCode()));
            }
            List<Integer> statuses = new ArrayList<>();
            for (var answer : answers) {
                statuses.add(answer.get());
            }
            assertThat(statuses).filteredOn(s -> s == 200).hasSize(5);
            assertThat(statuses).filteredOn(s -> s == 429).hasSize(11);
        } finally {
            clients.shutdownNow();
        }
        JdbcClient jdbc = first.getBean(JdbcClient.class);
        assertThat(jdbc.sql("SELECT count(*) FROM notification WHERE sender_domain = 'burst.test'")
                .query(Integer.class).single()).isEqualTo(5);
        assertThat(jdbc.sql("SELECT count(*) FROM notice n JOIN notification f ON f.id = n.notification"
                + " WHERE f.sender_domain = 'burst.test'").query(Integer.class).single()).isEqualTo(5);
    }

    @Test
    void unsignedRequestsCountAgainstTheirAddressAndAreThenRefusedBeforeAnyWork() throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            statuses.add(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[0] + "/pmp/v1/notifications"))
                    .header("Content-Type", "application/json").header("X-Pullmail-Client", "198.51.100.200")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"forged-" + i + "\"}")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        // the limit is 20 a window for an address: twenty unsigned ones are answered for what they are, then 429
        assertThat(statuses.subList(0, 20)).allMatch(s -> s == 400 || s == 401);
        assertThat(statuses.subList(20, 24)).containsOnly(429);
    }

    @Test
    void repeatsCountAgainstTheSenderDomain() throws Exception {
        PeerDomains.Peer from = peers.peer("repeat.test");
        var n = Notifications.notification(from, "news@repeat.test", Notifications.digestOf("again"), "Again",
                "user31@alpha.test");
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            statuses.add(Notifications.send(from, n, ports[i % 2], Map.of()).statusCode());
        }
        // five a window for a domain: the notification and four repeats of it get its receipt, then 429
        assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 429, 429);
    }

    @Test
    void aRecipientOverItsLimitGets429() throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            statuses.add(send("other.test", i, "carol@alpha.test", Map.of()).statusCode());
        }
        assertThat(statuses).containsExactly(200, 200, 200, 429);
        assertThat(send("other.test", 0, "dave@alpha.test", Map.of()).statusCode())
                .as("another recipient is not affected").isEqualTo(200);
    }

    @Test
    void aSendingAddressOverItsLimitGets429WhateverDomainItSignsFor() throws Exception {
        Map<String, String> client = Map.of("X-Pullmail-Client", "203.0.113.7");
        List<Integer> statuses = new ArrayList<>();
        String[] domains = {"p1.test", "p2.test", "p3.test", "p4.test", "p5.test"};
        for (int i = 0; i < 21; i++) {
            statuses.add(send(domains[i % 5], i, "user" + (i + 10) + "@alpha.test", client).statusCode());
        }
        assertThat(statuses.subList(0, 20)).containsOnly(200);
        assertThat(statuses.get(20)).isEqualTo(429);
    }

    @Test
    void refusalsCostAMailboxNothingAndStrangersCannotShutOutAContact() throws Exception {
        JdbcClient jdbc = first.getBean(JdbcClient.class);
        jdbc.sql("INSERT INTO sender_rule (mailbox, entry, kind) VALUES ('erin@alpha.test', 'blocked.test', 'block'),"
                + " ('erin@alpha.test', 'ann@friend.test', 'contact')").update();
        Map<String, String> client = Map.of("X-Pullmail-Client", "198.51.100.9");
        // a blocked domain at its full rate: every notification is answered "blocked", none 429
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = send("blocked.test", i, "erin@alpha.test", client);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"outcome\":\"blocked\"");
        }
        // strangers use up the mailbox's allowance for strangers (3 here) ...
        List<Integer> strangers = new ArrayList<>();
        for (String peer : List.of("s1.test", "s2.test", "s3.test", "s4.test")) {
            strangers.add(send(peer, 0, "erin@alpha.test", client).statusCode());
        }
        assertThat(strangers).containsExactly(200, 200, 200, 429);
        // ... and a contact's mail still gets in
        PeerDomains.Peer friend = peers.peer("friend.test");
        var fromAnn = Notifications.notification(friend, "ann@friend.test", Notifications.digestOf("minutes"), "Minutes",
                "erin@alpha.test");
        HttpResponse<String> contact = Notifications.send(friend, fromAnn, ports[1], client);
        assertThat(contact.statusCode()).as(contact.body()).isEqualTo(200);
        assertThat(contact.body()).contains("\"outcome\":\"accepted\"");
    }
}
