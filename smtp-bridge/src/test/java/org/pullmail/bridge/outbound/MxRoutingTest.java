package org.pullmail.bridge.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.pullmail.testing.PostfixFixture;
import org.pullmail.testing.TestDns;
import org.xbill.DNS.SimpleResolver;

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
        OutboundProperties outbound = new OutboundProperties(URI.create("http://127.0.0.1:1"), null, POSTFIX.port(),
                "bridge.alpha.test", Duration.ofDays(2), Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1), 1, Duration.ofSeconds(5), Duration.ofSeconds(20),
                new OutboundProperties.MtaSts(true, policyUrls, POSTFIX.certificate(), Duration.ofSeconds(5)));
        SimpleResolver resolver = new SimpleResolver(InetAddress.getLoopbackAddress());
        resolver.setPort(DNS.port());
        resolver.setTimeout(Duration.ofSeconds(2));
        Dns dns = new Dns(resolver);
        SSLContext verifying = TlsTrust.context(POSTFIX.certificate());
        routes = new Routes(dns, new MtaSts(dns, outbound.mtaSts(), verifying, Clock.systemUTC()), outbound);
        smtp = new SmtpSender(outbound, "bridge.alpha.test", dns, verifying);

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
        Map<String, SmtpSender.Reply> replies = smtp.send(hosts.get(0), "alice@alpha.test",
                List.of("carol@legacy.test"), SignedMail.message("carol@legacy.test", "By MX"));
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
        assertThatThrownBy(() -> smtp.send(hosts.get(0), "alice@alpha.test", List.of("carol@legacy.test"),
                SignedMail.message("carol@legacy.test", "Wrong certificate")))
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
