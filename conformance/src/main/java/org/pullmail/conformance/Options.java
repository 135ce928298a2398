package org.pullmail.conformance;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.pullmail.protocol.Addresses;

/**
 * What to check and how the kit's own peer domain runs.
 *
 * @param domain     the domain the deployment under test serves
 * @param baseUrl    where it answers: its discovery document is at {@code baseUrl/.well-known/pullmail}
 * @param peerDomain the kit's own domain, which the deployment must know through a static discovery entry
 * @param peerPort   where the kit's peer listens on 127.0.0.1
 * @param sendAs     an account of a Pullmail deployment to send the probe messages from, or null
 * @param waitFor    how long to wait for each notification from the deployment
 * @param keyFile    the peer's private signing key, created on first use and reused after
 */
public record Options(String domain, URI baseUrl, String peerDomain, int peerPort, Account sendAs, Duration waitFor,
        Path keyFile) {

    public static final String DEFAULT_PEER_DOMAIN = "conformance.test";
    public static final int DEFAULT_PEER_PORT = 7999;
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);

    /** An account of the deployment under test (its own API, not PMP/1). */
    public record Account(String address, String password) {

        @Override
        public String toString() {
            return address; // never the password
        }
    }

    public static final String USAGE = """
            usage: pmp-conformance --domain DOMAIN [--peer-port 7999] [--peer-domain conformance.test]
                                   [--send-as ADDRESS:PASSWORD] [--wait SECONDS] [--key-file PATH] BASE_URL

            Checks the PMP/1 deployment that serves DOMAIN and answers at BASE_URL (its discovery document
            is BASE_URL/.well-known/pullmail) against PROTOCOL.md, from the outside, as a peer domain would.
            Prints PASS, FAIL, WARN (a SHOULD) or SKIP per requirement; exits 0 when nothing failed, 1 when
            something did, 2 on usage errors.

            The kit runs its own peer domain (default conformance.test) on http://127.0.0.1:PEER_PORT. The
            deployment must know it through a static discovery entry (PROTOCOL.md 2.4), for Pullmail:
              ./pullmail up --domain DOMAIN --peer conformance.test=http://127.0.0.1:7999

              --send-as ADDRESS:PASSWORD  a convenience for Pullmail deployments: log in through its API
                                          (/api/v1/auth/token), send the probe messages to probe@PEER_DOMAIN
                                          and recall one (/api/v1/outbox/messages). Without it, send a
                                          message to probe@PEER_DOMAIN yourself while the kit waits.
              --wait SECONDS              how long to wait for each notification (default 60)
              --key-file PATH             the peer's signing key (default: the temp dir's
                                          pmp-conformance/PEER_DOMAIN.jwk, reused so that the deployment's
                                          cached discovery document stays valid)
            """;

    public Options {
        domain = domain.toLowerCase(Locale.ROOT);
        peerDomain = peerDomain.toLowerCase(Locale.ROOT);
    }

    /** The default place of the peer's key: one per peer domain, in the temp dir. */
    public static Path defaultKeyFile(String peerDomain) {
        return Path.of(System.getProperty("java.io.tmpdir"), "pmp-conformance", peerDomain + ".jwk");
    }

    public static Options parse(List<String> args) throws UsageException {
        String domain = null;
        String base = null;
        String peerDomain = DEFAULT_PEER_DOMAIN;
        int peerPort = DEFAULT_PEER_PORT;
        Account sendAs = null;
        Duration waitFor = DEFAULT_WAIT;
        Path keyFile = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--domain" -> domain = value(args, ++i, arg);
                case "--peer-domain" -> peerDomain = value(args, ++i, arg);
                case "--peer-port" -> peerPort = number(value(args, ++i, arg), arg, 1, 65535);
                case "--wait" -> waitFor = Duration.ofSeconds(number(value(args, ++i, arg), arg, 0, 86400));
                case "--key-file" -> keyFile = Path.of(value(args, ++i, arg));
                case "--send-as" -> sendAs = account(value(args, ++i, arg));
                default -> {
                    if (arg.startsWith("-")) {
                        throw new UsageException("unknown option " + arg);
                    }
                    if (base != null) {
                        throw new UsageException("one BASE_URL only, not " + base + " and " + arg);
                    }
                    base = arg;
                }
            }
        }
        if (domain == null) {
            throw new UsageException("--domain is required");
        }
        if (base == null) {
            throw new UsageException("BASE_URL is required, e.g. http://127.0.0.1:9080");
        }
        return new Options(domain, baseUrl(base), peerDomain, peerPort, sendAs, waitFor, keyFile).checked();
    }

    /** Checks what the record cannot check alone; returns this. */
    public Options checked() throws UsageException {
        if (!Addresses.isValidDomain(domain)) {
            throw new UsageException("--domain " + domain + " is not a domain name");
        }
        if (!Addresses.isValidDomain(peerDomain)) {
            throw new UsageException("--peer-domain " + peerDomain + " is not a domain name");
        }
        if (peerDomain.equals(domain)) {
            throw new UsageException("the kit's peer domain must differ from the domain under test");
        }
        if (sendAs != null && !Addresses.isValid(sendAs.address())) {
            throw new UsageException("--send-as needs ADDRESS:PASSWORD, and " + sendAs.address() + " is no address");
        }
        return this;
    }

    /** The key file to use: the one given, else the default for the peer domain. */
    public Path effectiveKeyFile() {
        return keyFile != null ? keyFile : defaultKeyFile(peerDomain);
    }

    private static URI baseUrl(String value) throws UsageException {
        try {
            URI uri = new URI(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
            if (!uri.isAbsolute() || uri.getHost() == null
                    || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new UsageException("BASE_URL must be an absolute http(s) URL, not " + value);
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new UsageException("BASE_URL is not a URL: " + value);
        }
    }

    private static Account account(String value) throws UsageException {
        int colon = value.indexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new UsageException("--send-as takes ADDRESS:PASSWORD");
        }
        return new Account(value.substring(0, colon), value.substring(colon + 1));
    }

    private static String value(List<String> args, int i, String option) throws UsageException {
        if (i >= args.size()) {
            throw new UsageException(option + " needs a value");
        }
        return args.get(i);
    }

    private static int number(String value, String option, int min, int max) throws UsageException {
        try {
            int n = Integer.parseInt(value);
            if (n < min || n > max) {
                throw new UsageException(option + " must lie between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " takes a number, not " + value);
        }
    }
}
