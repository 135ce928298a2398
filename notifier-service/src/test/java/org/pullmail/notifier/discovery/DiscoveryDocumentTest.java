package org.pullmail.notifier.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.http.Ed25519Keys;
import org.pullmail.testing.ServiceDatabase;
import org.pullmail.testing.TestInternalSecret;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The domain's discovery document publishes every key that signs for the domain: the notifier's own, the inbox's
 * (fetches, status reports) and the SMTP bridge's (notifications of mail bridged from SMTP, PROTOCOL.md 3.6), the
 * last two read from those services' internal endpoints with the domain's internal secret.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DiscoveryDocumentTest {

    static final OctetKeyPair INBOX_KEY = Ed25519Keys.generate("alpha.test/inbox-test");
    static final OctetKeyPair BRIDGE_KEY = Ed25519Keys.generate("alpha.test/bridge-test");
    static final HttpServer INBOX = keysServer(INBOX_KEY);
    static final HttpServer BRIDGE = keysServer(BRIDGE_KEY);

    /** A stand-in service that serves its public keys at /internal/v1/keys, to callers with the internal secret. */
    static HttpServer keysServer(OctetKeyPair key) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
            server.createContext("/internal/v1/keys", exchange -> {
                boolean admitted = TestInternalSecret.AUTHORIZATION.equals(
                        exchange.getRequestHeaders().getFirst("Authorization"));
                byte[] body = (admitted ? new JWKSet(key.toPublicJWK()).toString(true) : "{}")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(admitted ? 200 : 401, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "notifier_discovery_test");
        registry.add("pullmail.notifier.inbox-url", () -> "http://127.0.0.1:" + INBOX.getAddress().getPort());
        registry.add("pullmail.notifier.bridge-url", () -> "http://127.0.0.1:" + BRIDGE.getAddress().getPort());
    }

    @AfterAll
    static void stop() {
        INBOX.stop(0);
        BRIDGE.stop(0);
    }

    @LocalServerPort
    int port;

    @Test
    void theDocumentPublishesTheNotifiersTheInboxsAndTheBridgesKeys() throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + Pmp.WELL_KNOWN_PATH)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode document = JsonMapper.builder().build().readTree(answer.body());
        assertThat(document.get("keys").get("keys").findValuesAsString("kid"))
                .contains(INBOX_KEY.getKeyID(), BRIDGE_KEY.getKeyID())
                .hasSizeGreaterThanOrEqualTo(3);
    }
}
