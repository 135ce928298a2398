package org.pullmail.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.testing.ServiceDatabase;
import org.pullmail.testing.TestInternalSecret;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.json.JsonMapper;

/**
 * The notifier on its own database, with its clock in the test's hand, in front of stand-ins for recipient
 * domains and for this domain's outbox, over real HTTP on 127.0.0.1. Retries start at 1 s and double up to 8 s;
 * a notification lives 10 minutes unless it expires sooner. A recipient domain without answers publishes no PMP/1
 * document: its notifications go to this domain's SMTP bridge (a stand-in too). The behaviour tests extend this
 * class and share one running notifier; each uses recipient domains of its own, and the queue is emptied after
 * each test.
 */
@SpringBootTest(classes = {NotifierApplication.class, NotifierWithPeers.HandsOnClock.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "pullmail.notifier.retry-initial=PT1S",
        "pullmail.notifier.retry-max=PT8S",
        "pullmail.notifier.lifetime=PT10M",
        "pullmail.notifier.poll-interval=PT0.05S" })
public abstract class NotifierWithPeers {

    /** Every recipient domain a test may use: the notifier finds each at its stand-in. */
    public static final List<String> DOMAINS = List.of("busy.test", "slow.test", "down.test", "fine.test",
            "strict.test", "queued.test", "other.test", "legacy.test", "flaky.test");
    public static final JsonMapper JSON = JsonMapper.builder().build();
    public static final TestClock CLOCK = new TestClock();
    public static final PeerStandIns PEERS = new PeerStandIns(CLOCK);
    private static final RSAKey GATEWAY_KEY = gatewayKey();

    @TestConfiguration(proxyBeanMethods = false)
    static class HandsOnClock {

        @Bean
        TestClock testClock() {
            return CLOCK;
        }
    }

    @DynamicPropertySource
    static void notifierBetweenStandIns(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "notifier_behaviour_test");
        registry.add("pullmail.notifier.outbox-url", PEERS::outboxUrl);
        registry.add("pullmail.notifier.inbox-url", PEERS::outboxUrl);
        registry.add("pullmail.notifier.bridge-url", PEERS::bridgeUrl);
        registry.add("pullmail.jwks-url", () -> PEERS.outboxUrl() + "/jwks");
        for (String domain : DOMAINS) {
            registry.add("pullmail.discovery.overrides.[" + domain + "]", () -> PEERS.domainBase(domain));
        }
        PEERS.gatewayKeys(new JWKSet(GATEWAY_KEY.toPublicJWK()));
    }

    @LocalServerPort
    protected int port;

    @Autowired
    protected JdbcClient jdbc;

    protected final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void peersAnswerNothingYet() {
        PEERS.reset();
    }

    @AfterEach
    void emptyTheQueue() {
        PEERS.domains.clear();
        jdbc.sql("DELETE FROM notification").update();
    }

    /** A queue row as the notifier keeps it. */
    public record Row(UUID id, String state, int attempts, Instant nextAttemptAt, Instant giveUpAt, String lastError,
            Instant sentAt, Instant failedAt, boolean reportDue, Instant reportNextAt, int reportAttempts,
            String payload, String receipt) {
    }

    protected Row row(String notificationId) {
        return jdbc.sql("""
                SELECT id, state, attempts, next_attempt_at, give_up_at, last_error, sent_at, failed_at, report_due,
                       report_next_at, report_attempts, payload, receipt
                FROM notification WHERE notification_id = ?""").param(notificationId)
                .query((rs, n) -> new Row(rs.getObject("id", UUID.class), rs.getString("state"), rs.getInt("attempts"),
                        instant(rs.getTimestamp("next_attempt_at")), instant(rs.getTimestamp("give_up_at")),
                        rs.getString("last_error"), instant(rs.getTimestamp("sent_at")),
                        instant(rs.getTimestamp("failed_at")), rs.getBoolean("report_due"),
                        instant(rs.getTimestamp("report_next_at")), rs.getInt("report_attempts"),
                        rs.getString("payload"), rs.getString("receipt")))
                .single();
    }

    /**
     * The outbox hands over a notification of message {@code messageId} for {@code recipients} (all in one
     * domain), expiring at {@code expiresAt}; answers the notification as it was handed over.
     */
    protected Map<String, Object> signal(String notificationId, String messageId, List<String> recipients,
            Instant expiresAt) throws Exception {
        Map<String, Object> notification = Map.of("id", notificationId, "from", "sender@alpha.test",
                "recipients", recipients.stream().map(r -> Map.of("address", r, "token", token(r))).toList(),
                "subject", "Quarterly figures", "size", 1234,
                "digest", ContentDigest.sha256(messageId.getBytes(StandardCharsets.UTF_8)),
                "fetch_url", "http://127.0.0.1:8080/pmp/v1/messages/" + messageId,
                "sent_at", CLOCK.instant().toString(), "expires_at", expiresAt.toString());
        String domain = recipients.get(0).substring(recipients.get(0).indexOf('@') + 1);
        HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(url("/internal/v1/signals"))
                .header("Authorization", TestInternalSecret.AUTHORIZATION).header("Content-Type", "application/json").timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("recipient_domain", domain,
                        "message_id", messageId, "notification", notification)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return notification;
    }

    protected URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** A request as an admin of this domain, with an access token the gateway's key signed. */
    protected HttpResponse<String> asAdmin(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(url(path)).header("Authorization", "Bearer " + adminToken())
                .timeout(Duration.ofSeconds(5)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String adminToken() throws JOSEException {
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(GATEWAY_KEY.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer("pullmail:alpha.test").subject("admin@alpha.test")
                        .issueTime(Date.from(now)).notBeforeTime(Date.from(now))
                        .expirationTime(Date.from(now.plusSeconds(600))).claim("roles", List.of("USER", "ADMIN"))
                        .build());
        jwt.sign(new RSASSASigner(GATEWAY_KEY));
        return jwt.serialize();
    }

    /** A capability token of the right shape (43 base64url characters). */
    private static String token(String recipient) {
        String seed = (recipient + "-capability-token-of-the-right-length-xxxxxxxxxxxxxxxx").replaceAll("[^A-Za-z0-9]", "_");
        return seed.substring(0, 43);
    }

    private static RSAKey gatewayKey() {
        try {
            return new RSAKeyGenerator(2048).keyID("gateway-test-key").generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
