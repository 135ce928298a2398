package org.pullmail.bridge.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.pullmail.testing.PostfixFixture;
import org.pullmail.testing.TestDns;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Routing by MX (RFC 5321 5.1, RFC 7505) and MTA-STS (RFC 8461), against a DNS the test controls, a real Postfix as
 * legacy.test's MX on 127.0.0.1 (the MX port is a setting: MX records carry no port) and a local HTTPS server that
 * serves the policies, with a certificate the bridge is told to trust.
 */
class MxRoutingTest {

    @RegisterExtension
    static final PostfixFixture POSTFIX = new PostfixFixture();
    static final TestDns DNS = new TestDns();
    static final Map<String, String> POLICIES = new ConcurrentHashMap<>();
    static HttpsServer policyServer;
    static Routes routes;
    static SmtpSender smtp;
    static Dns dns;
    static SSLContext verifying;

    /** Test settings: MX port Postfix's; {@code allowPrivate}: whether 127.0.0.1 may be an MX host. */
    static OutboundProperties settings(Map<String, URI> policyUrls, boolean allowPrivate) {
        return new OutboundProperties(URI.create("http://127.0.0.1:1"), null, POSTFIX.port(),
                "bridge.alpha.test", Duration.ofDays(2), Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1), 1, 1, Duration.ofSeconds(5), Duration.ofSeconds(20), Duration.ofMinutes(1),
                allowPrivate, new OutboundProperties.MtaSts(true, policyUrls, POSTFIX.certificate(),
                        Duration.ofSeconds(5)));
    }

    static Map<String, SmtpSender.Reply> send(MxHost host, String to, String subject) throws Exception {
        Routes.Reach reach = routes.reach(host);
        assertThat(reach.addresses()).as(String.valueOf(reach.problem())).isNotEmpty();
        try (SpooledMessage message = SignedMail.spooled(to, subject)) {
            return smtp.send(host, reach.addresses().get(0), "alice@alpha.test", List.of(to), message,
                    Deadline.in(Duration.ofSeconds(20)));
        }
    }

    @BeforeAll
    static void bridge() throws Exception {
        policyServer = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        policyServer.setHttpsConfigurator(new HttpsConfigurator(serverTls(POSTFIX.certificate(),
                POSTFIX.certificate().resolveSibling("key.pem"))));
        policyServer.createContext("/", exchange -> {
            String domain = exchange.getRequestURI().getPath().substring(1);
            String policy = POLICIES.get(domain);
            byte[] body = policy == null ? new byte[0] : policy.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(policy == null ? 404 : 200, policy == null ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        policyServer.start();
        String base = "https://127.0.0.1:" + policyServer.getAddress().getPort() + "/";
        Map<String, URI> policyUrls = Map.of("legacy.test", URI.create(base + "legacy.test"),
                "sts.test", URI.create(base + "sts.test"), "cert.test", URI.create(base + "cert.test"),
                "trial.test", URI.create(base + "trial.test"));
        OutboundProperties outbound = settings(policyUrls, true);
        SimpleResolver resolver = new SimpleResolver(InetAddress.getLoopbackAddress());
        resolver.setPort(DNS.port());
        // short: a dropped query (a DNS server that does not answer) fails the lookup in half a second
        resolver.setTimeout(Duration.ofMillis(500));
        dns = new Dns(resolver);
        verifying = TlsTrust.context(POSTFIX.certificate());
        routes = new Routes(dns, new MtaSts(dns, outbound.mtaSts(), verifying, true, Clock.systemUTC()), outbound);
        smtp = new SmtpSender(outbound, "bridge.alpha.test", verifying);

        DNS.add("""
                legacy.test. 0 IN MX 20 backup.legacy.test.
                legacy.test. 0 IN MX 10 mx.legacy.test.
                mx.legacy.test. 0 IN A 127.0.0.1
                backup.legacy.test. 0 IN A 127.0.0.1
                _mta-sts.legacy.test. 0 IN TXT "v=STSv1; id=20261130"
                sts.test. 0 IN MX 10 other.sts.test.
                other.sts.test. 0 IN A 127.0.0.1
                _mta-sts.sts.test. 0 IN TXT "v=STSv1; id=1"
                cert.test. 0 IN MX 10 wrong.cert.test.
                wrong.cert.test. 0 IN A 127.0.0.1
                _mta-sts.cert.test. 0 IN TXT "v=STSv1; id=1"
                trial.test. 0 IN MX 10 mx.legacy.test.
                _mta-sts.trial.test. 0 IN TXT "v=STSv1; id=1"
                nullmx.test. 0 IN MX 0 .
                plain.test. 0 IN A 127.0.0.1
                nomail.test. 0 IN TXT "v=spf1 -all"
                slow.test. 0 IN TXT "v=spf1 -all"
                many.test. 0 IN MX 1 mx1.many.test.
                many.test. 0 IN MX 2 mx2.many.test.
                many.test. 0 IN MX 3 mx3.many.test.
                many.test. 0 IN MX 4 mx4.many.test.
                many.test. 0 IN MX 5 mx5.many.test.
                many.test. 0 IN MX 6 mx6.many.test.
                many.test. 0 IN MX 7 mx7.many.test.
                twice.test. 0 IN A 127.0.0.1
                twice.test. 0 IN A 10.1.2.3
                metadata.test. 0 IN A 169.254.169.254
                """);
        POLICIES.put("legacy.test", "version: STSv1\nmode: enforce\nmx: *.legacy.test\nmax_age: 86400\n");
        POLICIES.put("sts.test", "version: STSv1\nmode: enforce\nmx: mx.sts.test\nmax_age: 86400\n");
        POLICIES.put("cert.test", "version: STSv1\r\nmode: enforce\r\nmx: wrong.cert.test\r\nmax_age: 86400\r\n");
        POLICIES.put("trial.test", "version: STSv1\nmode: testing\nmx: mx.trial.test\nmax_age: 86400\n");
    }

    @AfterAll
    static void stop() {
        if (policyServer != null) {
            policyServer.stop(0);
        }
        DNS.close();
    }

    @Test
    void mailGoesToTheMxHostsInPreferenceOrderOverVerifiedTlsWhenThePolicyEnforces() throws Exception {
        List<MxHost> hosts = routes.to("legacy.test");
        assertThat(hosts).containsExactly(new MxHost("mx.legacy.test", POSTFIX.port(), true),
                new MxHost("backup.legacy.test", POSTFIX.port(), true));

        int had = POSTFIX.maildirFiles("carol").size();
        Map<String, SmtpSender.Reply> replies = send(hosts.get(0), "carol@legacy.test", "By MX");
        assertThat(replies.get("carol@legacy.test").code()).isEqualTo(250);
        Path delivered = POSTFIX.awaitMaildirFile("carol", had + 1, Duration.ofSeconds(10));
        assertThat(Files.readString(delivered)).contains("Subject: By MX").contains("with UTF8SMTPS");
        assertThat(POSTFIX.logLines()).anySatisfy(l -> assertThat(l).contains("TLS connection established from"));
    }

    @Test
    void anEnforcedPolicyThatNamesNoneOfTheMxHostsStopsTheDeliveryForARetry() {
        assertThatThrownBy(() -> routes.to("sts.test")).isInstanceOfSatisfying(DeliveryFailure.class, e -> {
            assertThat(e.isPermanent()).as("retried: the policy or the MX may be mended").isFalse();
            assertThat(e.getMessage()).contains("MTA-STS policy of sts.test (enforce)").contains("other.sts.test");
        });
    }

    @Test
    void underAnEnforcedPolicyAnMxWhoseCertificateDoesNotNameItIsNotDeliveredTo() throws Exception {
        List<MxHost> hosts = routes.to("cert.test");
        assertThat(hosts).containsExactly(new MxHost("wrong.cert.test", POSTFIX.port(), true));
        assertThatThrownBy(() -> send(hosts.get(0), "carol@legacy.test", "Wrong certificate"))
                .isInstanceOf(SmtpSender.Unreachable.class).hasMessageContaining("wrong.cert.test")
                .hasMessageContaining("No subject alternative DNS name matching wrong.cert.test");
    }

    @Test
    void aTestingPolicyOnlyObservesAndWithoutAPolicyTlsIsOpportunistic() throws Exception {
        assertThat(routes.to("trial.test")).containsExactly(new MxHost("mx.legacy.test", POSTFIX.port(), false));
        // no MX: the domain itself, when it has an address (RFC 5321 5.1)
        assertThat(routes.to("plain.test")).containsExactly(new MxHost("plain.test", POSTFIX.port(), false));
    }

    @Test
    void aNullMxOrADomainWithoutMailHostsFailsAtOnce() {
        assertThatThrownBy(() -> routes.to("nullmx.test")).isInstanceOfSatisfying(DeliveryFailure.class, e -> {
            assertThat(e.isPermanent()).isTrue();
            assertThat(e.getMessage()).contains("nullmx.test accepts no mail (null MX");
        });
        assertThatThrownBy(() -> routes.to("nowhere.test")).isInstanceOfSatisfying(DeliveryFailure.class,
                e -> assertThat(e.isPermanent()).isTrue());
        assertThatThrownBy(() -> routes.to("nomail.test")).isInstanceOfSatisfying(DeliveryFailure.class, e -> {
            assertThat(e.isPermanent()).isTrue();
            assertThat(e.getMessage()).contains("neither MX records nor an address");
        });
    }

    @Test
    void aDomainWithoutMxWhoseAddressLookupGoesUnansweredIsRetriedNotFailed() {
        DNS.dropQueriesFor("slow.test", Type.A, Type.AAAA);
        try {
            assertThatThrownBy(() -> routes.to("slow.test")).isInstanceOfSatisfying(DeliveryFailure.class, e -> {
                assertThat(e.isPermanent()).as("a DNS server that did not answer may answer later").isFalse();
                assertThat(e.getMessage()).contains("slow.test").contains("cannot be looked up now");
            });
            assertThat(routes.reach(new MxHost("slow.test", POSTFIX.port(), false)).problem())
                    .contains("cannot be looked up now");
        } finally {
            DNS.answerQueriesFor("slow.test");
        }
        // answered: no MX and no address is final
        assertThatThrownBy(() -> routes.to("slow.test")).isInstanceOfSatisfying(DeliveryFailure.class,
                e -> assertThat(e.isPermanent()).isTrue());
    }

    @Test
    void atMostFiveMxHostsAreTriedInPreferenceOrder() throws Exception {
        assertThat(routes.to("many.test")).extracting(MxHost::host)
                .containsExactly("mx1.many.test", "mx2.many.test", "mx3.many.test", "mx4.many.test", "mx5.many.test");
    }

    @Test
    void anMxHostAtANonPublicAddressIsRefusedUnlessATestRigAllowsIt() {
        Routes publicOnly = new Routes(dns, new MtaSts(dns, settings(Map.of(), false).mtaSts(), verifying, false,
                Clock.systemUTC()), settings(Map.of(), false));
        Routes.Reach loopback = publicOnly.reach(new MxHost("mx.legacy.test", POSTFIX.port(), false));
        assertThat(loopback.refused()).isTrue();
        assertThat(loopback.addresses()).isEmpty();
        assertThat(loopback.problem()).contains("mx.legacy.test resolves to the non-public address 127.0.0.1");
        assertThat(publicOnly.reach(new MxHost("metadata.test", 25, false)).refused()).as("cloud metadata").isTrue();
        // one non-public address refuses the host, as the peer client does
        assertThat(publicOnly.reach(new MxHost("twice.test", 25, false)).refused()).isTrue();
        // the smarthost is the operator's choice
        assertThat(publicOnly.reach(new MxHost("127.0.0.1", POSTFIX.port(), false, true)).addresses())
                .containsExactly(InetAddress.getLoopbackAddress());
        // every address of a host is there to be tried (RFC 5321 5.1)
        assertThat(routes.reach(new MxHost("twice.test", 25, false)).addresses()).extracting(InetAddress::getHostAddress)
                .containsExactly("127.0.0.1", "10.1.2.3");
    }

    @Test
    void anMtaStsPolicyServerAtANonPublicAddressIsNotAskedAndTlsStaysOpportunistic() {
        String base = "https://127.0.0.1:" + policyServer.getAddress().getPort() + "/";
        OutboundProperties publicOnly = settings(Map.of("legacy.test", URI.create(base + "legacy.test")), false);
        MtaSts mtaSts = new MtaSts(dns, publicOnly.mtaSts(), verifying, false, Clock.systemUTC());
        assertThat(mtaSts.policy("legacy.test")).as("no request to 127.0.0.1").isEmpty();
        MtaSts allowed = new MtaSts(dns, publicOnly.mtaSts(), verifying, true, Clock.systemUTC());
        assertThat(allowed.policy("legacy.test").orElseThrow().mode()).isEqualTo(MtaSts.Mode.ENFORCE);
    }

    @Test
    void aPolicyServerThatTricklesItsBodyIsGivenUpAtTheFetchDeadline() throws Exception {
        try (ServerSocket trickler = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = trickler.accept(); SSLSocket tls = (SSLSocket) serverTls(POSTFIX.certificate(),
                        POSTFIX.certificate().resolveSibling("key.pem")).getSocketFactory()
                        .createSocket(s, null, s.getPort(), true)) {
                    tls.setUseClientMode(false);
                    tls.getInputStream().read(new byte[4096]);
                    OutputStream out = tls.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 60000\r\n\r\n"
                            + "version: STSv1\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    for (int i = 0; i < 100; i++) {
                        Thread.sleep(300); // a byte now and then: each read is quick, the whole is not
                        out.write(' ');
                        out.flush();
                    }
                } catch (Exception e) {
                    // the client gave up
                }
            });
            server.setDaemon(true);
            server.start();
            OutboundProperties.MtaSts settings = new OutboundProperties.MtaSts(true,
                    Map.of("legacy.test", URI.create("https://127.0.0.1:" + trickler.getLocalPort() + "/")),
                    POSTFIX.certificate(), Duration.ofSeconds(1));
            long started = System.nanoTime();
            assertThat(new MtaSts(dns, settings, verifying, true, Clock.systemUTC()).policy("legacy.test")).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        }
    }

    @Test
    void anMxThatAcceptsAndNeverAnswersIsLeftAtTheAttemptsDeadline() throws Exception {
        try (ServerSocket tarpit = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> smtp.send(new MxHost("mx.legacy.test", tarpit.getLocalPort(), false),
                    InetAddress.getLoopbackAddress(), "alice@alpha.test", List.of("carol@legacy.test"),
                    SignedMail.spooled("carol@legacy.test", "Tarpit"), Deadline.in(Duration.ofMillis(1500))))
                    .isInstanceOf(SmtpSender.Unreachable.class).hasMessageContaining("time was up");
            // the reply timeout is 20 s here: only the deadline ends it this soon
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(1400),
                    Duration.ofSeconds(4));
        }
    }

    /** A server's TLS from PEM files (Postfix's own certificate and key: valid for 127.0.0.1). */
    static SSLContext serverTls(Path certificate, Path key) throws Exception {
        Certificate cert;
        try (InputStream in = Files.newInputStream(certificate)) {
            cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        String pem = Files.readString(key).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey privateKey = KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", privateKey, new char[0], new Certificate[] {cert});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        return tls;
    }
}
