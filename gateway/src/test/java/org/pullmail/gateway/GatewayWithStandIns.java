package org.pullmail.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway on its own database, in front of stand-ins for the outbox, the inbox, the notifier and the SMTP
 * bridge, spoken to
 * over real HTTP on 127.0.0.1. The behaviour tests extend this class, so they share one running gateway: each
 * uses accounts of its own (the login throttle and the revocations are the gateway's, for all of them).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "pullmail.gateway.max-api-body-bytes=" + GatewayWithStandIns.MAX_API_BODY_BYTES,
        "pullmail.gateway.login.account-failures=3",
        "pullmail.gateway.login.address-failures=1000" })
public abstract class GatewayWithStandIns {

    public static final String PASSWORD = "stand-in-password";
    public static final int MAX_API_BODY_BYTES = 4096;
    public static final String ADMIN = "admin@alpha.test";
    /** Accounts created at start-up, for the tests to share out (none uses another's). */
    public static final List<String> USERS = List.of("tokens@alpha.test", "disabled@alpha.test", "reset@alpha.test",
            "throttled@alpha.test", "router@alpha.test", "sizes@alpha.test");
    public static final JsonMapper JSON = JsonMapper.builder().build();

    public static final StandInService OUTBOX = StandInService.start("outbox");
    public static final StandInService INBOX = StandInService.start("inbox");
    public static final StandInService NOTIFIER = StandInService.start("notifier");
    public static final StandInService BRIDGE = StandInService.start("smtp-bridge");

    @DynamicPropertySource
    static void gatewayInFrontOfStandIns(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "gateway_behaviour_test");
        registry.add("pullmail.gateway.outbox-url", OUTBOX::url);
        registry.add("pullmail.gateway.inbox-url", INBOX::url);
        registry.add("pullmail.gateway.notifier-url", NOTIFIER::url);
        registry.add("pullmail.gateway.bridge-url", BRIDGE::url);
        registry.add("pullmail.gateway.accounts[0].address", () -> ADMIN);
        registry.add("pullmail.gateway.accounts[0].password", () -> PASSWORD);
        registry.add("pullmail.gateway.accounts[0].admin", () -> "true");
        for (int i = 0; i < USERS.size(); i++) {
            String address = USERS.get(i);
            registry.add("pullmail.gateway.accounts[" + (i + 1) + "].address", () -> address);
            registry.add("pullmail.gateway.accounts[" + (i + 1) + "].password", () -> PASSWORD);
        }
    }

    @LocalServerPort
    protected int port;

    protected final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Every account is provisioned (no provisioning call is left to reach a stand-in), and nothing received yet. */
    @BeforeEach
    void standInsAnswerAsUsual() {
        OUTBOX.answer(OUTBOX::usual);
        INBOX.answer(INBOX::usual);
        Awaitility.await("every account provisioned").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> get("/actuator/health/readiness", null).statusCode() == 200);
        OUTBOX.reset();
        INBOX.reset();
        NOTIFIER.reset();
        BRIDGE.reset();
    }

    protected URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** A password grant; answers the whole response. */
    protected HttpResponse<String> tokenRequest(String address, String password) throws Exception {
        return http.send(HttpRequest.newBuilder(url("/api/v1/auth/token")).timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                        Map.of("address", address, "password", password)))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    protected String login(String address, String password) throws Exception {
        HttpResponse<String> response = tokenRequest(address, password);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response).get("access_token").asString();
    }

    protected HttpResponse<String> get(String path, String token) throws Exception {
        return send("GET", path, token, null);
    }

    /** A request with a JSON body (or none), as the given account's token (or none). */
    protected HttpResponse<String> send(String method, String path, String token, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(5));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Sends {@code head} (request line and header lines, without the blank line after them) and {@code body} as
     * they are, on a connection of its own; answers the whole response. The head should ask to close the connection.
     */
    protected String raw(String head, byte[] body) throws Exception {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    protected static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    /** An RFC 9457 problem of the given type, as a client gets it. */
    protected static void assertProblem(HttpResponse<String> response, int status, String type) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                contentType -> assertThat(contentType).startsWith("application/problem+json"));
        JsonNode problem = json(response);
        assertThat(problem.get("type").asString()).isEqualTo("https://pullmail.org/problems/" + type);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("detail").asString()).isNotBlank();
    }
}
