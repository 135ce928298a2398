package org.pullmail.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.awaitility.Awaitility;
import org.pullmail.testing.PostgresServer;
import org.pullmail.testing.TestDns;
import org.pullmail.testing.TestDatabases;

/**
 * One Pullmail domain for black-box tests: the five services as separate processes started from
 * their runnable jars, each on its own database on the test PostgreSQL, talking real HTTP.
 */
final class Domain implements AutoCloseable {

    static final List<String> SERVICES = List.of("outbox-service", "notifier-service", "inbox-service", "smtp-bridge",
            "gateway");

    /**
     * The DNS of every domain's SMTP bridge in this JVM (SPF, DKIM and DMARC records of the legacy senders a test
     * plays), which tests write to; nothing is asked outside 127.0.0.1.
     */
    static final TestDns DNS = new TestDns();

    /**
     * The port of the SMTP world's MX hosts (a Postfix fixture listens there when a test starts one): every
     * domain's bridge delivers MX-routed mail to it.
     */
    static int legacyMxPort() {
        return LegacyMx.PORT;
    }

    /** Reserved on first use, once the ports handed out are tracked. */
    private static final class LegacyMx {
        static final int PORT = reservedPort();
    }

    final String name;
    final int gatewayPort;
    /**
     * The secret this domain's services share for their internal endpoints, new for every domain (as ./pullmail
     * makes one per domain); given to each service as PULLMAIL_INTERNAL_SECRET, as Compose and Kubernetes do.
     */
    private final String internalSecret = newSecret();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, List<String>> commands = new LinkedHashMap<>();
    private final Path logs;
    /** Where the domain's SMTP bridge listens for SMTP. */
    final int smtpPort;

    Domain(String name, Map<String, String> peers, List<String> accounts, String password) throws IOException {
        this(name, peers, accounts, password, TestDatabases.server(), TestDatabases::database);
    }

    /**
     * A domain on a PostgreSQL server of the caller's ({@code database} makes the JDBC URL of each of its
     * databases, named {@code <domain>_<service>}), for tests that crash and restart that server.
     */
    Domain(String name, Map<String, String> peers, List<String> accounts, String password, PostgresServer pg,
            Function<String, String> database) throws IOException {
        this.name = name;
        for (String service : SERVICES) {
            ports.put(service, freePort());
        }
        this.gatewayPort = ports.get("gateway");
        this.smtpPort = freePort();
        this.logs = Path.of(System.getProperty("pullmail.root", ".."), "e2e", "target", "e2e-logs");
        Files.createDirectories(logs);
        String prefix = name.replace('.', '_').replace('-', '_');
        List<String> common = new ArrayList<>(List.of(
                "--pullmail.domain=" + name,
                "--pullmail.public-url=" + url(),
                "--pullmail.jwks-url=" + url() + "/api/v1/auth/jwks",
                "--spring.datasource.username=" + pg.username(),
                "--spring.datasource.password=" + pg.password(),
                "--spring.datasource.hikari.maximum-pool-size=4",
                "--pullmail.notifier.retry-initial=PT0.2S", "--pullmail.notifier.retry-max=PT1S",
                "--pullmail.notifier.poll-interval=PT0.1S",
                "--pullmail.inbox.retry-initial=PT0.2S", "--pullmail.inbox.retry-max=PT1S",
                "--pullmail.inbox.poll-interval=PT0.1S", "--pullmail.outbox.relay-interval=PT0.1S",
                "--pullmail.discovery.overrides.[" + name + "]=" + url()));
        peers.forEach((domain, url) -> common.add("--pullmail.discovery.overrides.[" + domain + "]=" + url));
        String outbox = "http://127.0.0.1:" + ports.get("outbox-service");
        String notifier = "http://127.0.0.1:" + ports.get("notifier-service");
        String inbox = "http://127.0.0.1:" + ports.get("inbox-service");
        String bridge = "http://127.0.0.1:" + ports.get("smtp-bridge");
        Map<String, List<String>> specific = Map.of(
                // a stored delivery's token fetches for 3 s instead of an hour, so the test sees it end
                "outbox-service", List.of("--pullmail.outbox.notifier-url=" + notifier,
                        "--pullmail.outbox.inbox-url=" + inbox,
                        "--pullmail.outbox.stored-token-grace=PT3S",
                        "--pullmail.outbox.webhooks-may-reach-private-addresses=true"),
                "notifier-service", List.of("--pullmail.notifier.outbox-url=" + outbox,
                        "--pullmail.notifier.inbox-url=" + inbox, "--pullmail.notifier.bridge-url=" + bridge),
                "inbox-service", List.of(),
                // the SMTP bridge (issue 17): SMTP on a port of its own, the DNS the tests write, the domain's inbox
                "smtp-bridge", List.of("--pullmail.bridge.smtp.port=" + smtpPort,
                        "--pullmail.bridge.smtp.host-name=mx." + name,
                        "--pullmail.bridge.dns.servers[0]=" + DNS.server(), "--pullmail.bridge.inbox-url=" + inbox),
                "gateway", gatewayArgs(accounts, password, outbox, notifier, inbox, bridge));
        // the SMTP bridge's outbound half (issue 17): the domain's outbox, the SMTP world's MX port on this machine
        // (MX records carry no port), and quick retries
        List<String> outbound = List.of("--pullmail.bridge.outbound.outbox-url=" + outbox,
                "--pullmail.bridge.outbound.mx-port=" + legacyMxPort(),
                // the test MX is on 127.0.0.1, where a real bridge never delivers
                "--pullmail.bridge.outbound.allow-private-addresses=true",
                "--pullmail.bridge.outbound.retry-initial=PT0.5S", "--pullmail.bridge.outbound.retry-max=PT2S",
                "--pullmail.bridge.outbound.poll-interval=PT0.2S");
        Map<String, String> databases = Map.of("outbox-service", "outbox", "notifier-service", "notifier",
                "inbox-service", "inbox", "smtp-bridge", "bridge", "gateway", "gateway");
        for (String service : SERVICES) {
            String db = database.apply(prefix + "_" + databases.get(service));
            List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx192m", "-XX:+UseSerialGC",
                    // as in Kubernetes and Compose: a service out of memory stops, so a test sees it
                    "-XX:+ExitOnOutOfMemoryError",
                    "-XX:TieredStopAtLevel=1", "-Xss512k", "-jar", jar(service).toString()));
            command.addAll(common);
            command.add("--server.port=" + ports.get(service));
            command.add("--server.address=127.0.0.1");
            command.add("--spring.datasource.url=" + db);
            command.addAll(specific.get(service));
            if (service.equals("smtp-bridge")) {
                command.addAll(outbound);
            }
            commands.put(service, command);
        }
    }

    /** Adds command-line arguments (settings) of one service; call before {@link #startAll()}. */
    void addArgs(String service, String... args) {
        commands.get(service).addAll(List.of(args));
    }

    /** Adds static discovery overrides; call before {@link #startAll()}. */
    void addPeers(Map<String, String> peers) {
        for (List<String> command : commands.values()) {
            peers.forEach((domain, url) -> command.add("--pullmail.discovery.overrides.[" + domain + "]=" + url));
        }
    }

    private static List<String> gatewayArgs(List<String> accounts, String password, String outbox, String notifier,
            String inbox, String bridge) {
        List<String> args = new ArrayList<>(List.of("--pullmail.gateway.outbox-url=" + outbox,
                "--pullmail.gateway.notifier-url=" + notifier, "--pullmail.gateway.inbox-url=" + inbox,
                "--pullmail.gateway.bridge-url=" + bridge,
                // the suite reads the OpenAPI documents and opens Swagger UI; a gateway serves them only when told to
                "--pullmail.gateway.api-docs=true"));
        for (int i = 0; i < accounts.size(); i++) {
            String account = accounts.get(i);
            args.add("--pullmail.gateway.accounts[" + i + "].address=" + account.replace(":admin", ""));
            args.add("--pullmail.gateway.accounts[" + i + "].password=" + password);
            args.add("--pullmail.gateway.accounts[" + i + "].admin=" + account.endsWith(":admin"));
        }
        return args;
    }

    String url() {
        return "http://127.0.0.1:" + gatewayPort;
    }

    String serviceUrl(String service) {
        return "http://127.0.0.1:" + ports.get(service);
    }

    /** The Authorization header of a call to a service's internal endpoints, with this domain's secret. */
    String internalAuthorization() {
        return "Bearer " + internalSecret;
    }

    private static String newSecret() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    void startAll() throws IOException {
        for (String service : SERVICES) {
            start(service);
        }
    }

    void start(String service) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(commands.get(service))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(service).toFile()));
        builder.environment().put("PULLMAIL_INTERNAL_SECRET", internalSecret);
        processes.put(service, builder.start());
    }

    /** Stops a service the way an orchestrator does (SIGTERM, then a kill after 20 s). */
    void stop(String service) throws InterruptedException {
        Process process = processes.remove(service);
        if (process != null) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    /** Kills a service the way a crash does (SIGKILL): no shutdown hook, no graceful drain. */
    void kill(String service) throws InterruptedException {
        Process process = processes.remove(service);
        if (process != null) {
            process.destroyForcibly().waitFor();
        }
    }

    void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newHttpClient();
        for (String service : SERVICES) {
            URI health = URI.create(serviceUrl(service) + "/actuator/health/readiness");
            Awaitility.await(name + " " + service + " ready").atMost(timeout).pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        Process process = processes.get(service);
                        if (process == null || !process.isAlive()) {
                            throw new IllegalStateException(name + " " + service + " stopped while starting:\n"
                                    + tail(service));
                        }
                        try {
                            return http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                        } catch (IOException notYet) {
                            return false; // not listening yet
                        }
                    });
        }
    }

    /** Whether the service's process is running (a service that ran out of heap has exited). */
    boolean alive(String service) {
        Process process = processes.get(service);
        return process != null && process.isAlive();
    }

    /** The service's peak resident memory so far (VmHWM), in KiB. */
    long peakResidentKib(String service) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(processes.get(service).pid()), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmHWM for " + name + " " + service);
    }

    String tail(String service) {
        try {
            List<String> lines = Files.readAllLines(log(service));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private Path log(String service) {
        return logs.resolve(name + "-" + service + ".log");
    }

    /** Asks every service to stop (SIGTERM) without waiting, so several domains stop in parallel. */
    void signalStop() {
        processes.values().forEach(Process::destroy);
    }

    @Override
    public void close() throws InterruptedException {
        signalStop();
        for (String service : List.copyOf(processes.keySet())) {
            stop(service);
        }
    }

    private static Path jar(String service) {
        Path jar = Path.of(System.getProperty("pullmail.root", ".."), service, "target",
                service + "-" + System.getProperty("pullmail.version", "0.1.0-SNAPSHOT") + "-exec.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run the tests through ./mvnw verify, which builds it");
        }
        return jar;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Every port handed out in this JVM: a port closed again at once may be handed out twice by the system. */
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    /**
     * A port no process listens on and that this JVM has not handed out before. Without the second
     * condition two services of one domain could get the same port; the second to start then fails, and a
     * readiness check on that port is answered by the first (a gateway "ready" that was a notifier).
     */
    private static int reservedPort() {
        try {
            return freePort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static synchronized int freePort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            }
        }
        throw new IOException("no free port that was not handed out already");
    }
}
