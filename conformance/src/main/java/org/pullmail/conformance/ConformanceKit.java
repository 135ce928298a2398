package org.pullmail.conformance;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.pullmail.protocol.DiscoveryDocument;

/**
 * The PMP/1 conformance kit: checks a deployment by URL, from the outside, as a peer domain would,
 * against PROTOCOL.md. It runs its own peer domain on loopback, which the deployment must know through
 * a static discovery entry, sends it notifications, receives its notifications, fetches and reports on
 * its messages, and prints one line per requirement.
 *
 * <pre>
 * pmp-conformance --domain beta.test --send-as bob@beta.test:secret http://127.0.0.1:9080
 * </pre>
 */
public final class ConformanceKit {

    private ConformanceKit() {
    }

    public static void main(String[] args) {
        // UTF-8 whatever the locale: every line names its section with "§"
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        System.exit(cli(args, out, err));
    }

    /** The command: parses {@code args}, runs, prints; returns the exit code (0 passed, 1 failed, 2 usage). */
    public static int cli(String[] args, PrintStream out, PrintStream err) {
        List<String> arguments = List.of(args);
        if (arguments.contains("-h") || arguments.contains("--help")) {
            out.print(Options.USAGE);
            return 0;
        }
        Options options;
        try {
            options = Options.parse(arguments);
        } catch (UsageException e) {
            err.println("pmp-conformance: " + e.getMessage());
            err.print(Options.USAGE);
            return 2;
        }
        try {
            return run(options, out).exitCode();
        } catch (IOException e) {
            err.println("pmp-conformance: cannot run the kit's peer domain on 127.0.0.1:" + options.peerPort() + " ("
                    + e.getMessage() + "); choose another --peer-port, and give the deployment the matching entry");
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("pmp-conformance: interrupted");
            return 2;
        }
    }

    /** Runs every check and prints each line to standard output. */
    public static Report run(Options options) throws IOException, InterruptedException {
        return run(options, System.out);
    }

    /**
     * Runs every check, printing each line to {@code out} as it comes and the summary at the end.
     *
     * @throws IOException when the peer domain cannot listen on its port or its key file cannot be written
     */
    public static Report run(Options options, PrintStream out) throws IOException, InterruptedException {
        Recorder recorder = new Recorder(out);
        PeerKeys keys = PeerKeys.load(options.effectiveKeyFile(), options.peerDomain());
        Wire wire = new Wire(options.baseUrl());
        KnownDomains discovery = new KnownDomains(Map.of(options.domain(), options.baseUrl(),
                options.peerDomain(), PeerDomain.base(options.peerPort())));
        InboundNotifications inbound = new InboundNotifications(options.domain(), options.peerDomain(), discovery);
        PeerOutbox outbox = new PeerOutbox(options.domain(), discovery);
        try (PeerDomain peer = new PeerDomain(options.peerDomain(), options.peerPort(), keys.published, inbound, outbox)) {
            recorder.say("pmp-conformance: checking " + options.domain() + " at " + options.baseUrl() + " against PMP/1;"
                    + " the kit's peer domain " + peer.domain() + " runs at " + peer.base() + " with key "
                    + keys.published.getKeyID());
            Optional<DiscoveryDocument> document = new DiscoveryChecks(options.domain(), wire, recorder).run();
            if (document.isEmpty()) {
                String why = "no usable discovery document at " + options.baseUrl();
                recorder.skip("3.3", "notifications from the kit's peer domain", why);
                recorder.skip("4.3", "fetch refusals and the fetched message", why);
                recorder.skip("5", "status report refusals and the delivery's states", why);
            } else {
                new NotificationChecks(options.domain(), URI.create(document.get().notifyUrl()), peer, keys, outbox, wire,
                        recorder).run();
                new DeliveryChecks(options, document.get(), peer, keys, inbound, wire, recorder).run();
            }
            if (recorder.peerSeemsUnknown()) {
                recorder.say(hint(options, peer));
            }
        }
        Report report = recorder.report();
        out.println(report.summary());
        out.flush();
        return report;
    }

    private static String hint(Options options, PeerDomain peer) {
        return "hint: " + options.domain() + " answered discovery-failed or unknown-key wherever it had to check the"
                + " kit's key: it needs a static discovery entry for the kit's peer domain (PROTOCOL.md 2.4), e.g.\n"
                + "  ./pullmail up --domain " + options.domain() + " --peer " + peer.domain() + "=" + peer.base() + "\n"
                + "It caches discovery documents: after the kit's key file changed, wait a minute before running again.";
    }
}
