package org.pullmail.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pullmail.testing.PostgresServer;
import org.pullmail.testing.ServiceDatabase;
import org.pullmail.testing.TestDatabases;
import org.pullmail.testing.TestInternalSecret;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OutboxApplicationTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "outbox_app_test");
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Test
    void bootsMigratesItsOwnDatabaseAndReportsHealthy() throws Exception {
        HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"UP\"");
        assertThat(jdbc.sql("SELECT count(*) FROM flyway_schema_history WHERE success").query(Integer.class).single())
                .isPositive();
    }

    HttpResponse<String> provision(String address, String body) throws Exception {
        return provision(address, body, TestInternalSecret.AUTHORIZATION);
    }

    /** The gateway's provisioning call, with {@code authorization} as its Authorization header (null: none). */
    HttpResponse<String> provision(String address, String body, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/internal/v1/senders/" + address));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (body == null) {
            request.PUT(HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body));
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void provisioningAnswersWhetherThisCallCreatedTheAccountAndWhen() throws Exception {
        HttpResponse<String> first = provision("prov@alpha.test", null);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode created = JSON.readTree(first.body());
        assertThat(created.get("address").asString()).isEqualTo("prov@alpha.test");
        assertThat(created.get("created").asBoolean()).isTrue();
        Instant createdAt = Instant.parse(created.get("created_at").asString());

        HttpResponse<String> again = provision("prov@alpha.test", "{\"address\":\"prov@alpha.test\"}");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        JsonNode repeated = JSON.readTree(again.body());
        assertThat(repeated.get("created").asBoolean()).as("the account existed").isFalse();
        assertThat(Instant.parse(repeated.get("created_at").asString())).isEqualTo(createdAt);

        for (HttpResponse<String> refused : List.of(provision("prov2@alpha.test", "{\"address\":\"other@alpha.test\"}"),
                provision("prov3@beta.test", null), provision("not-an-address", null))) {
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/problem+json"));
        }
        assertThat(jdbc.sql("SELECT count(*) FROM sender WHERE address IN ('prov2@alpha.test', 'other@alpha.test',"
                + " 'prov3@beta.test', 'not-an-address')").query(Integer.class).single()).as("nothing provisioned").isZero();
    }

    @Test
    void provisioningWithoutTheDomainsInternalSecretIsRefusedBeforeAnythingIsCreated() throws Exception {
        String wrong = "Bearer " + "x".repeat(TestInternalSecret.VALUE.length());
        for (String authorization : new String[] {null, wrong, "Bearer", TestInternalSecret.VALUE}) {
            HttpResponse<String> refused = provision("intruder@alpha.test", "{\"address\":\"intruder@alpha.test\"}",
                    authorization);
            assertThat(refused.statusCode()).as(String.valueOf(authorization)).isEqualTo(401);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/problem+json"));
            assertThat(JSON.readTree(refused.body()).get("type").asString())
                    .isEqualTo("https://pullmail.org/problems/internal-unauthenticated");
        }
        assertThat(jdbc.sql("SELECT count(*) FROM sender WHERE address = 'intruder@alpha.test'").query(Integer.class)
                .single()).as("nothing provisioned").isZero();

        HttpResponse<String> admitted = provision("intruder@alpha.test", null, TestInternalSecret.AUTHORIZATION);
        assertThat(admitted.statusCode()).as(admitted.body()).isEqualTo(200);
        assertThat(JSON.readTree(admitted.body()).get("created").asBoolean()).isTrue();
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void withoutAnInternalSecretOfAtLeast32CharactersTheServiceDoesNotStart(CapturedOutput output) {
        for (String secret : new String[] {"", "0123456789abcdef0123456789abcde"}) {
            assertThatThrownBy(() -> start("--pullmail.internal-secret=" + secret)).as("secret '%s'", secret)
                    .rootCause().hasMessageContaining("pullmail.internal-secret");
        }
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("pullmail.internal-secret is not set")
                .contains("pullmail.internal-secret has 31 characters, fewer than 32")
                .contains("PULLMAIL_INTERNAL_SECRET")
                .doesNotContain("0123456789abcdef0123456789abcde");
    }

    /** The outbox as an operator starts it, on its test database, with the given arguments. */
    private static void start(String... args) {
        PostgresServer pg = TestDatabases.server();
        SpringApplication application = new SpringApplication(OutboxApplication.class);
        List<String> all = new ArrayList<>(List.of("--server.port=0",
                "--spring.datasource.url=" + TestDatabases.database("outbox_app_test"),
                "--spring.datasource.username=" + pg.username(), "--spring.datasource.password=" + pg.password()));
        all.addAll(List.of(args));
        application.run(all.toArray(String[]::new)).close();
    }
}
