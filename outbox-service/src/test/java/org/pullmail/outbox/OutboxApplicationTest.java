package org.pullmail.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
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
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/internal/v1/senders/" + address));
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
}
