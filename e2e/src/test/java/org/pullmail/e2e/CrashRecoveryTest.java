package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pullmail.testing.PostgresServer;

import tools.jackson.databind.JsonNode;

/**
 * Crashes while mail is in flight (issue 13's reliability suite): one domain, kappa.test, on a
 * PostgreSQL of its own, whose users write to each other (ben has ann as a contact, so her mail is
 * fetched at once over the whole PMP/1 path: outbox, notifier, gateway, inbox, fetch, status). Each
 * service in turn, and then PostgreSQL itself, is killed with SIGKILL between and during sends and
 * started again. Every message the API accepted must arrive exactly once, and the sender must see it
 * stored: nothing lost, nothing duplicated.
 */
class CrashRecoveryTest {

    static final int PER_ROUND = 8;
    static final String PASSWORD = TwoDomains.PASSWORD;

    static Path data;
    static int pgPort;
    static Process postgres;
    static Domain kappa;

    @BeforeAll
    static void start() throws Exception {
        data = Files.createTempDirectory(Path.of(System.getProperty("pullmail.root", ".."), "e2e", "target"), "crash-pg");
        pgPort = Domain.freePort();
        startPostgres();
        PostgresServer pg = new PostgresServer() {
            @Override
            public String jdbcUrl(String name) {
                return "jdbc:postgresql://127.0.0.1:" + pgPort + "/" + name;
            }

            @Override
            public String username() {
                return "postgres";
            }

            @Override
            public String password() {
                return "postgres";
            }

            @Override
            public String kind() {
                return "embedded, crashed on purpose";
            }
        };
        kappa = new Domain("kappa.test", Map.of(), List.of("ann@kappa.test", "ben@kappa.test"), PASSWORD, pg,
                pg::jdbcUrl);
        kappa.startAll();
        kappa.awaitReady(Duration.ofMinutes(3));
    }

    @AfterAll
    static void stop() throws Exception {
        if (kappa != null) {
            kappa.close();
        }
        killPostgres();
    }

    /** The domain's PostgreSQL, as ./pullmail runs it: durable (fsync, synchronous commit), its data kept. */
    static void startPostgres() throws IOException {
        Path jar = Path.of(System.getProperty("pullmail.root", ".."), "testing", "target",
                "testing-" + System.getProperty("pullmail.version", "0.1.0-SNAPSHOT") + "-exec.jar");
        postgres = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-jar", jar.toString(), "--data", data.resolve("pgdata").toString(), "--port", Integer.toString(pgPort),
                "--databases", "kappa_test_gateway,kappa_test_outbox,kappa_test_notifier,kappa_test_inbox,kappa_test_bridge")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("postgres.log").toFile()))
                .start();
        await("PostgreSQL of kappa.test listens").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250))
                .until(() -> Files.readString(data.resolve("postgres.log")).contains("PostgreSQL ready"));
    }

    /** A crash of the database machine: the server and every backend killed at once, then the wrapper. */
    static void killPostgres() throws IOException, InterruptedException {
        Path pidFile = data.resolve("pgdata").resolve("postmaster.pid");
        if (Files.exists(pidFile)) {
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
            ProcessHandle.of(pid).ifPresent(postmaster -> {
                List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
                all.add(postmaster);
                all.forEach(ProcessHandle::destroyForcibly);
                all.forEach(p -> p.onExit().join());
            });
        }
        if (postgres != null) {
            postgres.destroyForcibly().waitFor();
        }
    }

    /** Sends {@code n} messages from ann to ben; returns the subjects the API accepted (201). */
    static List<String> send(Api ann, String round, int n) {
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String subject = "crash " + round + " " + i + " " + UUID.randomUUID().toString().substring(0, 6);
            try {
                Api.Response r = ann.post("/api/v1/outbox/messages",
                        Map.of("to", List.of("ben@kappa.test"), "subject", subject, "text", "in flight"));
                if (r.status() == 201) {
                    accepted.add(subject);
                } else {
                    // a part being down is "unavailable, try again", never a failure of the server
                    assertThat(r.status()).as(subject + ": " + r.text()).isIn(502, 503);
                }
            } catch (IOException | InterruptedException e) {
                // the gateway or the outbox is down: not accepted, and the sender knows it
            }
        }
        return accepted;
    }

    @Test
    void killingAnyServiceOrTheDatabaseWhileMailIsInFlightLosesNothingAndDuplicatesNothing() throws Exception {
        Api ann = Api.login(kappa, "ann@kappa.test", PASSWORD);
        Api ben = Api.login(kappa, "ben@kappa.test", PASSWORD);
        assertThat(ben.put("/api/v1/inbox/contacts/ann@kappa.test").status()).isEqualTo(204);

        List<String> accepted = new ArrayList<>();
        for (String victim : List.of("outbox-service", "notifier-service", "inbox-service", "gateway", "postgres")) {
            accepted.addAll(send(ann, "before " + victim, PER_ROUND));
            if (victim.equals("postgres")) {
                killPostgres();
                accepted.addAll(send(ann, "while " + victim + " is down", 2));
                startPostgres();
            } else {
                kappa.kill(victim);
                accepted.addAll(send(ann, "while " + victim + " is down", 2));
                kappa.start(victim);
            }
            kappa.awaitReady(Duration.ofMinutes(2));
            if (victim.equals("gateway")) {
                // the gateway's signing keys survive in its database, so the tokens stay good; log in anew anyway
                ann = Api.login(kappa, "ann@kappa.test", PASSWORD);
                ben = Api.login(kappa, "ben@kappa.test", PASSWORD);
            }
        }
        accepted.addAll(send(ann, "after", PER_ROUND));
        assertThat(accepted.size()).as("most sends were accepted").isGreaterThanOrEqualTo(5 * PER_ROUND);

        Api reader = ben;
        await("every accepted message in ben's mailbox").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> subjects(reader).keySet().containsAll(accepted));
        Map<String, Integer> copies = subjects(reader);
        for (String subject : accepted) {
            assertThat(copies.get(subject)).as("copies of " + subject).isEqualTo(1);
        }
        copies.forEach((subject, n) -> assertThat(n).as("copies of " + subject).isEqualTo(1));
        Api sender = ann;
        await("the sender sees every accepted message stored").atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(1)).until(() -> storedAtSender(sender) >= accepted.size());
    }

    /** Each subject in ben's mailbox, with how many messages carry it. */
    static Map<String, Integer> subjects(Api ben) throws Exception {
        Map<String, Integer> copies = new HashMap<>();
        for (JsonNode m : ben.get("/api/v1/inbox/messages?limit=500").json().get("messages")) {
            copies.merge(m.path("subject").asString(""), 1, Integer::sum);
        }
        return copies;
    }

    static long storedAtSender(Api ann) throws Exception {
        long stored = 0;
        for (JsonNode m : ann.get("/api/v1/outbox/messages?state=stored&limit=500").json().get("messages")) {
            stored += m.path("subject").asString("").startsWith("crash ") ? 1 : 0;
        }
        return stored;
    }
}
