package org.pullmail.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Postfix (Debian's package) as the SMTP world on loopback, for the SMTP bridge's tests: its own config,
 * queue, data, log and mailbox directories under a temporary directory, its own port on 127.0.0.1, and nothing of
 * the machine's Postfix touched. It receives mail for {@code legacy.test} into Maildirs ({@code carol}, {@code dave}
 * and {@code busy}, who is answered {@code 451 4.2.1} at RCPT TO; anyone else is {@code 550 5.1.1}), relays mail for
 * {@code beta.test} to the bridge's SMTP port when one is given, and refuses everything else: no name is resolved,
 * nothing leaves 127.0.0.1. Its TLS certificate (self-signed) names {@code mx.legacy.test} and 127.0.0.1.
 * <p>
 * Register it with {@code @RegisterExtension static final PostfixFixture POSTFIX = new PostfixFixture();}. Postfix
 * must run as root: where the tests do not run as root, or {@code /usr/sbin/postfix} is missing, the test class is
 * skipped (aborted) with a message saying so. CI runs as root with Postfix installed.
 */
public final class PostfixFixture implements BeforeAllCallback, AfterAllCallback {

    private static final Path POSTFIX = Path.of("/usr/sbin/postfix");
    private static final String BUSY = "busy@legacy.test\t451 4.2.1 <busy@legacy.test>: mailbox busy, try again later\n";

    private final IntSupplier relayPort;
    private int fixedPort;
    private Path base;
    private int port;

    /** Postfix without a bridge behind it: mail for beta.test is deferred. */
    public PostfixFixture() {
        this(() -> 9);
    }

    /** Postfix relaying beta.test to the bridge's SMTP port on 127.0.0.1 (asked when the fixture starts). */
    public PostfixFixture(IntSupplier bridgeSmtpPort) {
        this.relayPort = bridgeSmtpPort;
    }

    /**
     * Listens on this port instead of a free one (a port reserved before services started that must know it, such
     * as a bridge's MX port); returns this fixture.
     */
    public PostfixFixture onPort(int smtpPort) {
        this.fixedPort = smtpPort;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(POSTFIX),
                "PostfixFixture: /usr/sbin/postfix is missing (apt-get install postfix); the Postfix tests are skipped");
        Assumptions.assumeTrue(isRoot(), "PostfixFixture: Postfix runs only as root here, and these tests do not"
                + " (user " + System.getProperty("user.name") + "); the Postfix tests are skipped");
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    /** The SMTP port Postfix listens on, at 127.0.0.1. */
    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:port}, as a smarthost setting takes it. */
    public String hostAndPort() {
        return "127.0.0.1:" + port;
    }

    /** The PEM file of Postfix's certificate (self-signed, for mx.legacy.test and 127.0.0.1). */
    public Path certificate() {
        return base.resolve("etc/cert.pem");
    }

    /** The files delivered to {@code user}@legacy.test so far, oldest first (Maildir files: LF line ends). */
    public List<Path> maildirFiles(String user) {
        Path dir = base.resolve("mail/legacy.test").resolve(user).resolve("new");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted(Comparator.comparing(PostfixFixture::modified)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the {@code n}th file delivered to {@code user}@legacy.test (from 1) and answers it. */
    public Path awaitMaildirFile(String user, int n, Duration timeout) throws InterruptedException {
        Instant until = Instant.now().plus(timeout);
        while (Instant.now().isBefore(until)) {
            List<Path> files = maildirFiles(user);
            if (files.size() >= n) {
                return files.get(n - 1);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no mail number " + n + " for " + user + "@legacy.test within " + timeout
                + "; Postfix's log:\n" + String.join("\n", logLines()));
    }

    /**
     * Answers RCPT TO for {@code address} with {@code 451 4.2.1} from now on ({@code busy = true}), or as usual again;
     * Postfix reloads its maps for it.
     */
    public void busy(String address, boolean busy) throws IOException, InterruptedException {
        write("etc/recipient_access", BUSY + (busy ? address + "\t451 4.2.1 <" + address
                + ">: mailbox busy, try again later\n" : ""));
        run(POSTFIX.toString(), "-c", base.resolve("etc").toString(), "reload");
    }

    /** Postfix's log so far ({@code status=sent}, {@code status=bounced}, TLS lines…). */
    public List<String> logLines() {
        Path log = base.resolve("log/postfix.log");
        try {
            return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void start() throws IOException, InterruptedException {
        base = Files.createTempDirectory("postfix-fixture");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        port = fixedPort > 0 ? fixedPort : freePort();
        for (String dir : List.of("etc", "spool", "data", "mail", "log")) {
            Files.createDirectories(base.resolve(dir));
        }
        String uid = output("id", "-u", "nobody");
        String gid = output("id", "-g", "nobody");
        run("chown", "postfix:postfix", base.resolve("data").toString());
        run("chown", uid + ":" + gid, base.resolve("mail").toString());
        write("etc/main.cf", mainCf(uid, gid));
        write("etc/master.cf", masterCf());
        write("etc/transport", "beta.test\tsmtp:[127.0.0.1]:" + relayPort.getAsInt() + "\n");
        write("etc/vmailbox", "carol@legacy.test\tlegacy.test/carol/\ndave@legacy.test\tlegacy.test/dave/\n"
                + "busy@legacy.test\tlegacy.test/busy/\n");
        write("etc/recipient_access", BUSY);
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=mx.legacy.test",
                "-addext", "subjectAltName=DNS:mx.legacy.test,IP:127.0.0.1",
                "-keyout", base.resolve("etc/key.pem").toString(), "-out", base.resolve("etc/cert.pem").toString());
        run(POSTFIX.toString(), "-c", base.resolve("etc").toString(), "check");
        run(POSTFIX.toString(), "-c", base.resolve("etc").toString(), "start");
        Instant until = Instant.now().plusSeconds(15);
        while (!listening()) {
            if (Instant.now().isAfter(until)) {
                throw new IllegalStateException("Postfix did not listen on 127.0.0.1:" + port + "; its log:\n"
                        + String.join("\n", logLines()));
            }
            Thread.sleep(50);
        }
    }

    private void stop() {
        if (base == null) {
            return;
        }
        try {
            run(POSTFIX.toString(), "-c", base.resolve("etc").toString(), "stop");
            Instant until = Instant.now().plusSeconds(10);
            while (Instant.now().isBefore(until) && exitCode(POSTFIX.toString(), "-c", base.resolve("etc").toString(),
                    "status") == 0) {
                Thread.sleep(50);
            }
            try (Stream<Path> all = Files.walk(base)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            System.err.println("PostfixFixture: cleaning up " + base + " failed: " + e);
        }
    }

    private String mainCf(String uid, String gid) {
        String b = base.toString();
        return """
                compatibility_level = 3.6
                queue_directory = %1$s/spool
                data_directory = %1$s/data
                myhostname = mx.legacy.test
                mydomain = legacy.test
                myorigin = $myhostname
                inet_interfaces = 127.0.0.1
                inet_protocols = ipv4
                mynetworks = 127.0.0.0/8
                mydestination =
                local_recipient_maps =
                local_transport = error:local delivery disabled
                alias_maps =
                alias_database =
                relay_domains = beta.test
                transport_maps = texthash:%1$s/etc/transport
                virtual_mailbox_domains = legacy.test
                virtual_mailbox_base = %1$s/mail
                virtual_mailbox_maps = texthash:%1$s/etc/vmailbox
                virtual_uid_maps = static:%2$s
                virtual_gid_maps = static:%3$s
                virtual_minimum_uid = 1
                smtpd_relay_restrictions = reject_unauth_destination
                smtpd_recipient_restrictions = check_recipient_access texthash:%1$s/etc/recipient_access
                default_transport = error:5.7.1 this test MTA delivers only to beta.test and legacy.test
                smtp_dns_support_level = disabled
                disable_dns_lookups = yes
                smtp_tls_security_level = may
                smtpd_tls_security_level = may
                smtpd_tls_cert_file = %1$s/etc/cert.pem
                smtpd_tls_key_file = %1$s/etc/key.pem
                smtp_tls_loglevel = 1
                smtpd_tls_loglevel = 1
                notify_classes =
                biff = no
                maillog_file = %1$s/log/postfix.log
                maillog_file_prefixes = %1$s/log
                queue_run_delay = 1s
                minimal_backoff_time = 2s
                maximal_backoff_time = 4s
                """.formatted(b, uid, gid);
    }

    private String masterCf() {
        return "127.0.0.1:" + port + " inet n - n - - smtpd\n" + """
                pickup    unix  n - n 60    1 pickup
                cleanup   unix  n - n -     0 cleanup
                qmgr      unix  n - n 300   1 qmgr
                tlsmgr    unix  - - n 1000? 1 tlsmgr
                rewrite   unix  - - n -     - trivial-rewrite
                bounce    unix  - - n -     0 bounce
                defer     unix  - - n -     0 bounce
                trace     unix  - - n -     0 bounce
                verify    unix  - - n -     1 verify
                flush     unix  n - n 1000? 0 flush
                proxymap  unix  - - n -     - proxymap
                smtp      unix  - - n -     - smtp
                relay     unix  - - n -     - smtp
                showq     unix  n - n -     - showq
                error     unix  - - n -     - error
                retry     unix  - - n -     - error
                discard   unix  - - n -     - discard
                virtual   unix  - n n -     - virtual
                anvil     unix  - - n -     1 anvil
                scache    unix  - - n -     1 scache
                postlog   unix-dgram n - n - 1 postlogd
                """;
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void write(String file, String text) throws IOException {
        Files.writeString(base.resolve(file), text, StandardCharsets.UTF_8);
    }

    private static boolean isRoot() {
        try {
            return "0".equals(output("id", "-u"));
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Instant modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        int code = exec(out, command);
        if (code != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + code + ":\n" + String.join("\n", out));
        }
    }

    private static int exitCode(String... command) throws IOException, InterruptedException {
        return exec(new ArrayList<>(), command);
    }

    private static String output(String... command) throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        exec(out, command);
        return out.isEmpty() ? "" : out.get(0).trim();
    }

    private static int exec(List<String> out, String... command) throws IOException, InterruptedException {
        // output into a file, not a pipe: Postfix's master daemon must not hold the pipe we would read to its end
        Path log = Files.createTempFile("postfix-fixture", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish");
            }
            out.addAll(Files.readAllLines(log, StandardCharsets.UTF_8));
            return p.exitValue();
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
