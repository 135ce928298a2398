package org.pullmail.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.pullmail.bridge.inbound.SmtpListener;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With a certificate configured the bridge offers STARTTLS, swaks upgrades the connection, and after the upgrade the
 * EHLO answer no longer offers it; pipelined commands are answered in order.
 */
@SpringBootTest(properties = {"pullmail.domain=beta.test", "pullmail.bridge.smtp.port=0",
        "pullmail.bridge.smtp.host-name=mx.beta.test"})
class StartTlsTest {

    static final Path DIR = certificate();

    static Path certificate() {
        try {
            Path dir = Files.createTempDirectory("bridge-tls-");
            if (Files.isExecutable(Path.of("/usr/bin/openssl"))) {
                Process openssl = new ProcessBuilder("/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-days", "2", "-subj", "/CN=mx.beta.test", "-keyout", dir.resolve("key.pem").toString(),
                        "-out", dir.resolve("cert.pem").toString()).redirectErrorStream(true).start();
                openssl.getInputStream().readAllBytes();
                openssl.waitFor(30, TimeUnit.SECONDS);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "bridge_starttls_test");
        registry.add("pullmail.bridge.smtp.tls.certificate", () -> DIR.resolve("cert.pem").toString());
        registry.add("pullmail.bridge.smtp.tls.key", () -> DIR.resolve("key.pem").toString());
    }

    @Autowired
    SmtpListener smtp;

    @Test
    void starttlsIsOfferedAndWorksWhereACertificateIsConfigured() throws Exception {
        Swaks.requireInstalled();
        assumeTrue(Files.exists(DIR.resolve("key.pem")), "openssl could not make a test certificate");
        String plain = Swaks.run(smtp.port(), "--quit-after", "EHLO");
        assertThat(plain).contains("250-STARTTLS");
        String upgraded = Swaks.run(smtp.port(), "--tls", "--quit-after", "TLS", "--pipeline");
        assertThat(upgraded).contains("220 Ready to start TLS", "TLS started");
        assertThat(upgraded.substring(upgraded.indexOf("TLS started"))).doesNotContain("250-STARTTLS");
    }
}
