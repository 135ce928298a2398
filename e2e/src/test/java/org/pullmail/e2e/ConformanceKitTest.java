package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pullmail.conformance.ConformanceKit;
import org.pullmail.conformance.Options;
import org.pullmail.conformance.Report;
import org.pullmail.conformance.Result;

/**
 * A Pullmail domain checked by the PMP/1 conformance kit, as any other deployment would be: the kit
 * runs its peer domain conformance.test in this JVM, the domain knows it through a static discovery
 * entry, and alice@gamma.test sends the kit's probe messages (--send-as).
 */
class ConformanceKitTest {

    static final String PEER = "conformance.test";

    static Domain gamma;
    static int peerPort;

    @BeforeAll
    static void start() throws Exception {
        peerPort = Domain.freePort();
        gamma = new Domain("gamma.test", Map.of(PEER, "http://127.0.0.1:" + peerPort),
                List.of("alice@gamma.test", "admin@gamma.test:admin"), TwoDomains.PASSWORD);
        gamma.startAll();
        gamma.awaitReady(Duration.ofMinutes(3));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (gamma != null) {
            gamma.close();
        }
    }

    @Test
    void aPullmailDomainPassesEveryCheckOfTheKit(@TempDir Path keys) throws Exception {
        Options options = Options.parse(List.of("--domain", "gamma.test", "--peer-domain", PEER,
                "--peer-port", Integer.toString(peerPort), "--send-as", "alice@gamma.test:" + TwoDomains.PASSWORD,
                "--wait", "60", "--key-file", keys.resolve(PEER + ".jwk").toString(), gamma.url()));
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        Report report = ConformanceKit.run(options, new PrintStream(lines, true, StandardCharsets.UTF_8));
        String output = lines.toString(StandardCharsets.UTF_8);
        System.out.print(output);

        assertThat(report.results()).as(output).filteredOn(r -> r.status() == Result.Status.FAIL).isEmpty();
        assertThat(report.results()).as("fetch, status and outgoing-notification checks all ran:\n" + output)
                .filteredOn(r -> r.status() == Result.Status.SKIP)
                .filteredOn(r -> r.section().startsWith("4") || r.section().startsWith("5") || r.section().equals("3.1"))
                .isEmpty();
        assertThat(report.exitCode()).isZero();
        for (String check : List.of(
                "discovery document answers 200",
                "keys is a JWK set with an Ed25519 key",
                "valid notification → 200",
                "receipt has one outcome per notified address",
                "notification signed with a key the sender's domain does not publish → 401 unknown-key",
                "tampered notification with a recomputed Content-Digest → 401 signature-invalid",
                "tampered notification with the original Content-Digest → 400 digest-mismatch",
                "notification replayed byte for byte → 401 nonce-reused",
                "notification to a recipient of another domain → 400 foreign-recipient",
                "notification to recipients of two domains → 400 foreign-recipient",
                "notifications to the kit are signed with a published key under the notification profile",
                "notifications to the kit have a fetch_url under the deployment's fetch_base",
                "fetch with a well-formed token that is not the message's → 404 not-found",
                "fetch signed with a key the recipient's domain does not publish → 401 unknown-key",
                "valid fetch → 200",
                "fetched bytes match the notified size and SHA-256",
                "fetch replayed byte for byte → 401 nonce-reused",
                "status report with Content-Type text/plain → 415 unsupported-media-type",
                "status report for an address of the sender's domain → 403 wrong-domain",
                "status stored after the fetch → 204",
                "fetch right after stored, within the grace period → 200",
                "status declined after stored → 409 status-conflict",
                "status stored after spam → 409 status-conflict",
                "fetch after spam → 404 not-found",
                "valid fetch of a recalled message → 410 recalled",
                "fetch after declined → 404 not-found")) {
            assertThat(report.status(check)).as(check + "\n" + output).isEqualTo(Result.Status.PASS);
        }
    }
}
