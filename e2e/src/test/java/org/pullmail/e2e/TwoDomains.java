package org.pullmail.e2e;

import org.pullmail.testing.PeerDomains;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * alpha.test and beta.test (eight service processes) plus two test-controlled peer domains,
 * gamma.test and delta.test; started once per test JVM and stopped when it exits.
 */
final class TwoDomains {

    static final String PASSWORD = "e2e-password-0042";

    private static TwoDomains instance;

    final PeerDomains peers;
    final Domain alpha;
    final Domain beta;

    private TwoDomains() throws Exception {
        peers = new PeerDomains("gamma.test", "delta.test");
        Map<String, String> fakes = Map.of("gamma.test", peers.peer("gamma.test").base(),
                "delta.test", peers.peer("delta.test").base());
        // each domain needs the other's URL: alpha learns beta's after both have their ports
        alpha = new Domain("alpha.test", Map.of(), List.of("alice@alpha.test", "alfred@alpha.test", "admin@alpha.test:admin"), PASSWORD);
        beta = new Domain("beta.test", withPeers(fakes, "alpha.test", alpha.url()),
                List.of("bob@beta.test", "carol@beta.test", "dave@beta.test", "erin@beta.test", "admin@beta.test:admin"),
                PASSWORD);
        Map<String, String> alphaPeers = withPeers(fakes, "beta.test", beta.url());
        // a PMP/1 domain (a static entry) that never answers: its notifications wait in the queue and are retried;
        // a name that does not resolve would be an SMTP domain (PROTOCOL.md 2.6) and go to the bridge at once
        alphaPeers.put("unreachable.test", "http://127.0.0.1:9");
        alpha.addPeers(alphaPeers);
        peers.knowDomains(Map.of("alpha.test", alpha.url(), "beta.test", beta.url()));
        alpha.startAll();
        beta.startAll();
        alpha.awaitReady(Duration.ofMinutes(3));
        beta.awaitReady(Duration.ofMinutes(3));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                alpha.signalStop();
                beta.signalStop();
                alpha.close();
                beta.close();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            peers.close();
        }, "e2e-domains-stop"));
    }

    private static Map<String, String> withPeers(Map<String, String> fakes, String domain, String url) {
        HashMap<String, String> all = new HashMap<>(fakes);
        all.put(domain, url);
        return all;
    }

    static synchronized TwoDomains get() throws Exception {
        if (instance == null) {
            instance = new TwoDomains();
        }
        return instance;
    }
}
