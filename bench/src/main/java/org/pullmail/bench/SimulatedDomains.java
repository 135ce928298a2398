package org.pullmail.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.pullmail.testing.PeerDomains;

/**
 * The simulation's three real Pullmail domains, started with {@code ./pullmail} in a state folder of their own
 * (never the demo's {@code .pullmail/}): alpha.test and beta.test as the demo starts them, gamma.test with
 * {@code ./pullmail up}. All three know each other and every fake sender domain as peers.
 */
final class SimulatedDomains implements AutoCloseable {

    static final String ALPHA = "alpha.test";
    static final String BETA = "beta.test";
    static final String GAMMA = "gamma.test";
    /** Each domain's gateway; the outbox, notifier, inbox and PostgreSQL take the four ports after it. */
    static final Map<String, Integer> GATEWAYS = Map.of(ALPHA, 8080, BETA, 9080, GAMMA, 7080);
    static final List<String> DOMAINS = List.of(ALPHA, BETA, GAMMA);
    static final String DEMO_PASSWORD = "pullmail-demo";

    private final Path root;
    private final Path state;
    private final AtomicBoolean stopped = new AtomicBoolean();

    SimulatedDomains(Path root, Path state) {
        this.root = root;
        this.state = state;
    }

    static int port(String domain) {
        return GATEWAYS.get(domain);
    }

    static String url(String domain) {
        return "http://127.0.0.1:" + port(domain);
    }

    /** Where the real domains are, for the fake senders' verifiers. */
    static Map<String, String> urls() {
        Map<String, String> urls = new LinkedHashMap<>();
        DOMAINS.forEach(d -> urls.put(d, url(d)));
        return urls;
    }

    /** Starts the three domains and returns once every service of each is healthy. */
    void start(PeerDomains fakes) throws Exception {
        List<String> taken = new ArrayList<>();
        for (int gateway : GATEWAYS.values()) {
            for (int port = gateway; port <= gateway + 4; port++) {
                if (listening(port)) {
                    taken.add(String.valueOf(port));
                }
            }
        }
        if (!taken.isEmpty()) {
            throw new IllegalStateException("ports " + String.join(", ", taken) + " are taken: another demo, benchmark or "
                    + "simulation runs (./pullmail status; bench/run and bench/simulate each stop their own)");
        }
        // each domain starts anew; what ./pullmail keeps beside them (class data sharing archives) stays
        for (String domain : DOMAINS) {
            Benchmark.deleteTree(state.resolve(domain));
        }
        Files.createDirectories(state);
        List<String> demo = new ArrayList<>(List.of(root.resolve("pullmail").toString(), "demo",
                "--peer", GAMMA + "=" + url(GAMMA)));
        List<String> gamma = new ArrayList<>(List.of(root.resolve("pullmail").toString(), "up", "--domain", GAMMA,
                "--port", String.valueOf(port(GAMMA)), "--peer", ALPHA + "=" + url(ALPHA), "--peer", BETA + "=" + url(BETA)));
        for (String fake : fakes.domains()) {
            String peer = fake + "=" + fakes.peer(fake).base();
            demo.addAll(List.of("--peer", peer));
            gamma.addAll(List.of("--peer", peer));
        }
        // one after the other: ./pullmail keeps what every start shares (its class data sharing archives) in the
        // state folder, and two of it at once in one folder would prepare them over each other
        int demoExit = waitFor(start(demo));
        int gammaExit = demoExit == 0 ? waitFor(start(gamma)) : -1;
        if (demoExit != 0 || gammaExit != 0) {
            throw new IllegalStateException("the domains did not start (./pullmail demo: " + demoExit + ", ./pullmail up: "
                    + gammaExit + "); logs in " + state);
        }
    }

    /** The password of the domain's admin account: the demo's, or the one ./pullmail up generated. */
    String adminPassword(String domain) throws IOException {
        return GAMMA.equals(domain) ? Files.readString(state.resolve(GAMMA).resolve("admin-password")).strip() : DEMO_PASSWORD;
    }

    private Process start(List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).inheritIO();
        builder.environment().put("PULLMAIL_STATE", state.toString());
        return builder.start();
    }

    private static int waitFor(Process process) throws InterruptedException {
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops every process started in the simulation's state folder, once (also from the shutdown hook). */
    @Override
    public void close() {
        if (!stopped.compareAndSet(false, true) || !Files.isDirectory(state)) {
            return;
        }
        try {
            ProcessBuilder builder = new ProcessBuilder(root.resolve("pullmail").toString(), "down")
                    .directory(root.toFile()).inheritIO();
            builder.environment().put("PULLMAIL_STATE", state.toString());
            Process down = builder.start();
            if (!down.waitFor(5, TimeUnit.MINUTES)) {
                down.destroyForcibly();
            }
        } catch (IOException e) {
            MailMonth.log("./pullmail down failed: " + e.getMessage() + "; run PULLMAIL_STATE=" + state + " ./pullmail down");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
