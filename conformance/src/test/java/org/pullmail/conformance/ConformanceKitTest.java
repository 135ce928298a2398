package org.pullmail.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.Ed25519Keys;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.HttpSignatures;
import org.pullmail.protocol.http.PmpSigner;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;

class ConformanceKitTest {

    @TempDir
    Path temp;

    @Test
    void aDeploymentThatFollowsTheRulesPassesEveryCheckTheReadmeLists() throws Exception {
        int peerPort = freePort();
        try (ReferenceDeployment deployment = new ReferenceDeployment("beta.test", peerAt(peerPort))) {
            Run run = run(deployment, peerPort, "--send-as", deployment.account + ":" + StubDeployment.PASSWORD);

            assertThat(run.report.results()).as(run.output)
                    .filteredOn(r -> r.status() != Result.Status.PASS).isEmpty();
            assertThat(run.report.count(Result.Status.PASS)).as(run.output).isGreaterThan(90);
            assertThat(run.report.exitCode()).isZero();
            assertThat(run.output).contains("PASS §6.5 tampered notification with the original Content-Digest → 400 "
                    + "digest-mismatch").contains("PASS §4.3 valid fetch of a recalled message → 410 recalled")
                    .contains("PASS §6.2 notifications to the kit are signed with a published key under the notification profile")
                    .contains("PASS §3.3 notification with a used nonce and a body that does not match its Content-Digest → "
                            + "400 digest-mismatch")
                    .contains("PASS §5.2 status report without Authorization and over 4096 bytes → 413 too-large")
                    .containsPattern("summary: \\d+ passed, 0 failed, 0 warnings, 0 skipped");
            // the README shows what such a run prints, line for line, and how many lines
            List<String> printed = run.output.lines().filter(l -> l.startsWith("PASS §")).toList();
            String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
            assertThat(readme.lines().filter(l -> l.startsWith("PASS §")).toList()).isEqualTo(printed);
            assertThat(readme).contains("all " + printed.size() + " of them");
        }
    }

    @Test
    void aDeploymentThatChecksEveryRuleButTheSignatureFirstFailsOnlyTheOrderChecks() throws Exception {
        int peerPort = freePort();
        try (ReferenceDeployment deployment = new ReferenceDeployment("beta.test", peerAt(peerPort)) {
            @Override
            Reply notification(HttpRequestView request, byte[] body) throws Refusal {
                requireSignature(request);
                return super.notification(request, body);
            }

            @Override
            Reply fetch(Message message, HttpRequestView request) throws Refusal {
                requireSignature(request);
                return super.fetch(message, request);
            }

            @Override
            Reply status(Message message, HttpRequestView request, byte[] body) throws Refusal {
                requireSignature(request);
                return super.status(message, request, body);
            }
        }) {
            Run run = run(deployment, peerPort, "--send-as", deployment.account + ":" + StubDeployment.PASSWORD);

            // every rule is kept, so every check of one fault passes; only two faults at once tell the order
            assertThat(run.report.results()).as(run.output).filteredOn(r -> r.status() != Result.Status.PASS)
                    .extracting(Result::name).containsExactlyInAnyOrder(
                            "notification over 4096 bytes and without a signature → 413 too-large",
                            "notification body that is not JSON and without a signature → 400 invalid-notification",
                            "fetch without Authorization → 401 capability-missing",
                            "fetch with Authorization PMP-Capability abc and without a signature → 401 capability-missing",
                            "fetch with a token that is not the message's and without a signature → 404 not-found",
                            "status report with Content-Type text/plain and without Authorization → 415 unsupported-media-type",
                            "status report without Authorization and over 4096 bytes → 413 too-large",
                            "status report without Authorization → 401 capability-missing",
                            "status report with a token that is not the message's and without a signature → 404 not-found");
            assertThat(run.output).contains("FAIL §3.3 notification over 4096 bytes and without a signature → 413 too-large: "
                    + "expected 413 too-large, got 401 signature-missing");
        }
    }

    @Test
    void aShortGracePeriodAfterStoredIsAWarningNotAFailure() throws Exception {
        int peerPort = freePort();
        try (ReferenceDeployment deployment = new ReferenceDeployment("beta.test", peerAt(peerPort), Duration.ZERO)) {
            Run run = run(deployment, peerPort, "--send-as", deployment.account + ":" + StubDeployment.PASSWORD);

            assertThat(run.report.results()).as(run.output).filteredOn(r -> r.status() != Result.Status.PASS)
                    .extracting(Result::status, Result::name)
                    .containsExactly(tuple(Result.Status.WARN, "fetch right after stored, within the grace period → 200"));
            assertThat(run.output).contains("WARN §5.4 fetch right after stored, within the grace period → 200: got 410 "
                    + "already-stored at once");
            assertThat(run.report.exitCode()).isZero();
        }
    }

    @Test
    void theKitLooksUpNoDomainButTheTargetAndItselfAndServesNoOtherDomainsRecipient() throws Exception {
        List<URI> connections = new CopyOnWriteArrayList<>();
        URI nowhere = URI.create("http://127.0.0.1:" + freePort());
        KnownDomains discovery = new KnownDomains(Map.of("beta.test", nowhere, "conformance.test", nowhere),
                client -> client.addExecInterceptorFirst("record", (request, scope, chain) -> {
                    try {
                        connections.add(request.getUri());
                    } catch (URISyntaxException e) {
                        throw new IllegalStateException(e);
                    }
                    return chain.proceed(request, scope);
                }));
        PeerOutbox outbox = new PeerOutbox("beta.test", discovery);
        String token = NotificationChecks.token();
        outbox.add("m1", new PeerOutbox.Message("Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8),
                Map.of(token, "conformance-stranger@gamma.test")));
        // properly signed by a gamma.test key: checking it would mean discovering https://gamma.test
        HttpRequestView fetch = new HttpRequestView("GET", URI.create(nowhere + Pmp.FETCH_PATH + "/m1"))
                .header("Authorization", Pmp.CAPABILITY_SCHEME + " " + token);
        HttpSignatures.SignatureFields signature = new PmpSigner(Ed25519Keys.generate("gamma.test/k1"), Clock.systemUTC())
                .sign(fetch, SignatureProfile.FETCH);
        fetch.header(HttpSignatures.SIGNATURE_INPUT, signature.signatureInput())
                .header(HttpSignatures.SIGNATURE, signature.signature());

        assertThatThrownBy(() -> outbox.serve("m1", false, fetch, new byte[0])).isInstanceOfSatisfying(
                ProtocolException.class, e -> assertThat(e.type()).isEqualTo(ProblemType.NOT_FOUND));
        assertThatThrownBy(() -> discovery.key("gamma.test", "gamma.test/k1")).isInstanceOfSatisfying(
                ProtocolException.class, e -> assertThat(e.type()).isEqualTo(ProblemType.DISCOVERY_FAILED));
        assertThat(connections).isEmpty();
        // the known domains are asked for where their static entries point, and only there
        assertThatThrownBy(() -> discovery.discover("beta.test")).isInstanceOf(ProtocolException.class);
        assertThat(connections).containsExactly(URI.create(nowhere + Pmp.WELL_KNOWN_PATH));
    }

    @Test
    void aDeploymentThatChecksNothingFailsAndThePrintedLinesSayWhere() throws Exception {
        int peerPort = freePort();
        try (BrokenDeployment deployment = new BrokenDeployment("beta.test", peerAt(peerPort))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int exit = ConformanceKit.cli(args(deployment, peerPort, "--send-as",
                    deployment.account + ":" + StubDeployment.PASSWORD), print(out), print(new ByteArrayOutputStream()));
            String output = out.toString(StandardCharsets.UTF_8);

            assertThat(exit).as(output).isEqualTo(1);
            assertThat(output)
                    .contains("FAIL §6.5 tampered notification with the original Content-Digest → 400 digest-mismatch: "
                            + "expected 400 digest-mismatch, got 200 application/json")
                    .contains("FAIL §6.4 notification replayed byte for byte → 401 nonce-reused")
                    .contains("FAIL §3.3 notification to a recipient of another domain → 400 foreign-recipient")
                    .contains("FAIL §6.4 fetch replayed byte for byte → 401 nonce-reused")
                    .contains("FAIL §4.3 unsigned fetch → 401 signature-missing: expected 401 signature-missing, got 200 message/rfc822")
                    .contains("FAIL §5.3 status declined after stored → 409 status-conflict: expected 409 status-conflict, got 204")
                    .contains("FAIL §4.3 valid fetch of a recalled message → 410 recalled")
                    // the order checks: two faults at once, and it answers neither
                    .contains("FAIL §3.3 notification over 4096 bytes and without a signature → 413 too-large: "
                            + "expected 413 too-large, got 200 application/json")
                    .contains("FAIL §3.3 notification with a used nonce and a body that does not match its Content-Digest → "
                            + "400 digest-mismatch")
                    .contains("FAIL §3.3 notification with fetch_url outside fetch_base and a recipient of another domain → "
                            + "400 fetch-url-outside-base")
                    .contains("FAIL §4.3 fetch with a token that is not the message's and without a signature → 404 not-found")
                    .contains("FAIL §5.2 status report without Authorization and over 4096 bytes → 413 too-large")
                    .contains("FAIL §5.2 status report with status \"read\" and for an address that is not a recipient → "
                            + "400 malformed-request")
                    // the shape of its discovery document is right; only caching is not said
                    .contains("PASS §2.1 discovery document answers 200")
                    .contains("PASS §2.1 protocol is \"pmp/1\"")
                    .contains("PASS §2.1 domain is the domain asked for")
                    .contains("PASS §2.1 keys is a JWK set with an Ed25519 key")
                    .contains("PASS §2.1 no key has private members")
                    .contains("WARN §2.2 Cache-Control is public with a max-age between 300 and 3600: no Cache-Control")
                    // what it does right still passes
                    .contains("PASS §3.4 valid notification → 200")
                    .contains("PASS §4.3 fetched bytes match the notified size and SHA-256")
                    .contains("PASS §6.5 notifications to the kit carry a Content-Digest that matches the body")
                    .doesNotContain("hint:");
        }
    }

    @Test
    void theReportNamesEachCheckWithItsVerdict() throws Exception {
        int peerPort = freePort();
        try (BrokenDeployment deployment = new BrokenDeployment("beta.test", peerAt(peerPort))) {
            Report report = run(deployment, peerPort, "--wait", "1").report;

            assertThat(report.passed()).isFalse();
            assertThat(report.status("tampered notification with the original Content-Digest → 400 digest-mismatch"))
                    .isEqualTo(Result.Status.FAIL);
            assertThat(report.status("notification replayed byte for byte → 401 nonce-reused")).isEqualTo(Result.Status.FAIL);
            assertThat(report.status("notification to recipients of two domains → 400 foreign-recipient"))
                    .isEqualTo(Result.Status.FAIL);
            assertThat(report.status("unsigned notification → 401 signature-missing")).isEqualTo(Result.Status.FAIL);
            assertThat(report.status("fetch_base is an absolute http(s) URL ending in /")).isEqualTo(Result.Status.PASS);
            assertThat(report.status("every Ed25519 key has a unique printable ASCII kid")).isEqualTo(Result.Status.PASS);
            assertThat(report.status("Cache-Control is public with a max-age between 300 and 3600"))
                    .isEqualTo(Result.Status.WARN);
            // without --send-as and nothing sent by hand, the fetch and status checks cannot run
            assertThat(report.find("fetch refusals and the fetched message").orElseThrow().status())
                    .isEqualTo(Result.Status.SKIP);
            assertThat(report.find("fetch of a recalled message").orElseThrow().detail()).isEqualTo("needs --send-as");
            assertThat(report.find("fetch refusals and the fetched message").orElseThrow().detail())
                    .isEqualTo("no notification from beta.test within 1 s");
        }
    }

    @Test
    void whenTheDeploymentCannotDiscoverThePeerTheKitSaysHowToIntroduceIt() throws Exception {
        int peerPort = freePort();
        // the deployment's static entry for the peer points at a port where nothing listens
        try (ReferenceDeployment deployment = new ReferenceDeployment("beta.test", peerAt(freePort()))) {
            Run run = run(deployment, peerPort, "--wait", "1");

            assertThat(run.report.status("valid notification → 200")).isEqualTo(Result.Status.FAIL);
            assertThat(run.report.find("valid notification → 200").orElseThrow().detail())
                    .isEqualTo("expected 200, got 502 discovery-failed");
            // no first receipt, nothing to compare the repeat with
            assertThat(run.report.find("notification repeated with a fresh signature → 200 with the same outcomes")
                    .orElseThrow()).extracting(Result::status, Result::detail).containsExactly(Result.Status.SKIP,
                            "the valid notification was not accepted (502 discovery-failed), so there is no first receipt "
                                    + "to compare with");
            assertThat(run.output).contains("hint: beta.test answered discovery-failed or unknown-key")
                    .contains("--peer conformance.test=http://127.0.0.1:" + peerPort);
        }
    }

    @Test
    void aDiscoveryDocumentThatBreaksSection2IsFailedRuleByRule() throws Exception {
        int peerPort = freePort();
        try (BrokenDeployment deployment = new BrokenDeployment("beta.test", peerAt(peerPort)) {
            @Override
            byte[] discoveryDocument() {
                String x = key.getX().toString();
                return ("{\"protocol\":\"pmp/2\",\"domain\":\"gamma.test\",\"notify_url\":\"" + base()
                        + "/pmp/v1/notifications\",\"fetch_base\":\"" + base() + "/pmp/v1/messages\",\"keys\":{\"keys\":["
                        + "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"k1\",\"x\":\"" + x + "\"},"
                        + "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"k1\",\"x\":\"" + x + "\",\"d\":\"" + x + "\"}]}}")
                        .getBytes(StandardCharsets.UTF_8);
            }

            @Override
            String cacheControl() {
                return "max-age=30";
            }
        }) {
            Report report = run(deployment, peerPort, "--wait", "0").report;

            assertThat(report.status("protocol is \"pmp/1\"")).isEqualTo(Result.Status.FAIL);
            assertThat(report.find("domain is the domain asked for").orElseThrow().detail())
                    .isEqualTo("domain is \"gamma.test\", not \"beta.test\"");
            assertThat(report.status("fetch_base is an absolute http(s) URL ending in /")).isEqualTo(Result.Status.FAIL);
            assertThat(report.status("notify_url is an absolute http(s) URL")).isEqualTo(Result.Status.PASS);
            assertThat(report.find("every Ed25519 key has a unique printable ASCII kid").orElseThrow().detail())
                    .isEqualTo("kid \"k1\" names 2 keys");
            assertThat(report.find("no key has private members").orElseThrow().detail())
                    .isEqualTo("key \"k1\" has private member d");
            assertThat(report.find("Cache-Control is public with a max-age between 300 and 3600").orElseThrow().detail())
                    .isEqualTo("max-age=30 lies outside [300, 3600], and outside [60, 86400], so clients clamp it");
            // without a usable fetch_base the kit cannot go on
            assertThat(report.find("notifications from the kit's peer domain").orElseThrow().status())
                    .isEqualTo(Result.Status.SKIP);
        }
    }

    @Test
    void theKitsPeerPublishesAValidDiscoveryDocument() throws Exception {
        PeerKeys keys = PeerKeys.load(temp.resolve("peer.jwk"), "conformance.test");
        KnownDomains discovery = new KnownDomains(Map.of("beta.test", URI.create("http://127.0.0.1:9")));
        InboundNotifications inbound = new InboundNotifications("beta.test", "conformance.test", discovery);
        try (PeerDomain peer = new PeerDomain("conformance.test", freePort(), keys.published, inbound,
                new PeerOutbox("beta.test", discovery))) {
            HttpResponse<byte[]> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(peer.base() + Pmp.WELL_KNOWN_PATH)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue(Pmp.MEDIA_TYPE_JSON);
            assertThat(response.headers().firstValue("Cache-Control")).hasValue("public, max-age=60");
            DiscoveryDocument document = PmpJson.read(response.body(), DiscoveryDocument.class,
                    ProblemType.DISCOVERY_FAILED).validate("conformance.test", peer.base());
            assertThat(document.notifyUrl()).isEqualTo(peer.base() + "/pmp/v1/notifications");
            assertThat(document.fetchBase()).isEqualTo(peer.base() + "/pmp/v1/messages/");
            assertThat(document.keySet().getKeys()).hasSize(1);
            assertThat(document.keySet().getKeys().get(0).isPrivate()).isFalse();
            assertThat(document.key(keys.published.getKeyID())).isNotNull();
            assertThat(new String(response.body(), StandardCharsets.UTF_8)).doesNotContain("\"d\"");
        }
    }

    @Test
    void thePeerKeepsItsKeyFromRunToRunAndNeverPublishesTheOther() throws Exception {
        Path file = temp.resolve("keys").resolve("conformance.test.jwk");
        PeerKeys first = PeerKeys.load(file, "conformance.test");
        PeerKeys second = PeerKeys.load(file, "conformance.test");

        assertThat(first.published.getKeyID()).startsWith("conformance.test/");
        assertThat(second.published.toJSONString()).isEqualTo(first.published.toJSONString());
        assertThat(second.unpublished.getKeyID()).isNotEqualTo(first.published.getKeyID())
                .isNotEqualTo(first.unpublished.getKeyID());
    }

    @Test
    void usageErrorsExitWith2AndHelpWith0() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(ConformanceKit.cli(new String[] {"http://127.0.0.1:1"}, print(new ByteArrayOutputStream()), print(err)))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--domain is required").contains("usage:");
        assertThat(ConformanceKit.cli(new String[] {"--domain", "beta.test", "--wait", "soon", "http://127.0.0.1:1"},
                print(new ByteArrayOutputStream()), print(new ByteArrayOutputStream()))).isEqualTo(2);
        assertThat(ConformanceKit.cli(new String[] {"--domain", "beta.test", "--send-as", "nopassword",
                "http://127.0.0.1:1"}, print(new ByteArrayOutputStream()), print(new ByteArrayOutputStream()))).isEqualTo(2);
        assertThat(ConformanceKit.cli(new String[] {"--domain", "conformance.test", "http://127.0.0.1:1"},
                print(new ByteArrayOutputStream()), print(new ByteArrayOutputStream()))).isEqualTo(2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ConformanceKit.cli(new String[] {"--help"}, print(out), print(new ByteArrayOutputStream()))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--send-as ADDRESS:PASSWORD");
    }

    @Test
    void optionsHaveTheDocumentedDefaults() throws Exception {
        Options options = Options.parse(List.of("--domain", "Beta.Test", "http://127.0.0.1:9080/"));

        assertThat(options.domain()).isEqualTo("beta.test");
        assertThat(options.baseUrl()).isEqualTo(URI.create("http://127.0.0.1:9080"));
        assertThat(options.peerDomain()).isEqualTo("conformance.test");
        assertThat(options.peerPort()).isEqualTo(7999);
        assertThat(options.waitFor()).isEqualTo(Duration.ofSeconds(60));
        assertThat(options.sendAs()).isNull();
        assertThat(options.effectiveKeyFile()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir"),
                "pmp-conformance", "conformance.test.jwk"));
        assertThat(Options.parse(List.of("--domain", "b.test", "--send-as", "a@b.test:pa:ss", "http://x.test"))
                .sendAs()).isEqualTo(new Options.Account("a@b.test", "pa:ss"));
    }

    private record Run(Report report, String output) {
    }

    private Run run(StubDeployment deployment, int peerPort, String... extra) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Options options = Options.parse(List.of(args(deployment, peerPort, extra)));
        Report report = ConformanceKit.run(options, print(out));
        return new Run(report, out.toString(StandardCharsets.UTF_8));
    }

    private String[] args(StubDeployment deployment, int peerPort, String... extra) {
        List<String> args = new ArrayList<>(List.of("--domain", deployment.domain,
                "--peer-port", Integer.toString(peerPort), "--wait", "5",
                "--key-file", temp.resolve("conformance.test.jwk").toString()));
        args.addAll(List.of(extra));
        args.add(deployment.base().toString());
        return args.toArray(String[]::new);
    }

    /** What a deployment that wants a signature before anything else answers to an unsigned request. */
    private static void requireSignature(HttpRequestView request) throws StubDeployment.Refusal {
        if (request.firstHeader(HttpSignatures.SIGNATURE_INPUT) == null || request.firstHeader(HttpSignatures.SIGNATURE) == null) {
            throw new StubDeployment.Refusal(401, "signature-missing", "sign first");
        }
    }

    private static Map<String, URI> peerAt(int port) {
        return Map.of("conformance.test", URI.create("http://127.0.0.1:" + port));
    }

    private static PrintStream print(ByteArrayOutputStream out) {
        return new PrintStream(out, true, StandardCharsets.UTF_8);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
