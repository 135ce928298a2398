package org.pullmail.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.pullmail.gateway.GatewayWithStandIns;
import org.pullmail.gateway.StandInService.Answer;
import org.pullmail.testing.TestInternalSecret;

import tools.jackson.databind.JsonNode;

/** The dashboard's overview: each service's health as it reports it, DOWN when it does not answer well. */
class OverviewTest extends GatewayWithStandIns {

    @Test
    void eachServiceShowsItsOwnHealthAndStatistics() throws Exception {
        OUTBOX.answer(r -> r.target().equals("/readyz")
                ? Answer.json(200, "{\"status\":\"UP\",\"components\":{\"db\":{\"status\":\"UP\"}}}")
                : Answer.json(200, "{\"minutes\":5,\"gauges\":{\"messages_waiting\":3}}"));
        INBOX.answer(r -> r.target().equals("/readyz")
                ? Answer.json(200, "{\"status\":\"OUT_OF_SERVICE\",\"groups\":[\"liveness\"]}")
                : Answer.json(404, "{}"));
        NOTIFIER.answer(r -> Answer.json(503, "{\"status\":\"DOWN\"}"));
        BRIDGE.answer(r -> r.target().equals("/readyz")
                ? Answer.json(200, "{\"status\":\"UP\"}")
                : Answer.json(200, "{\"minutes\":5,\"gauges\":{\"smtp_messages_waiting\":2}}"));

        JsonNode overview = json(get("/api/v1/admin/overview?minutes=5", login(ADMIN, PASSWORD)));
        assertThat(overview.get("domain").asString()).isEqualTo("alpha.test");
        Map<String, JsonNode> services = new HashMap<>();
        overview.get("services").forEach(s -> services.put(s.get("name").asString(), s));
        assertThat(services.keySet()).containsExactlyInAnyOrder("gateway", "outbox-service", "inbox-service",
                "notifier-service", "smtp-bridge");
        assertThat(services.get("smtp-bridge").get("status").asString()).isEqualTo("UP");
        assertThat(services.get("smtp-bridge").get("stats").get("gauges").get("smtp_messages_waiting").asInt())
                .isEqualTo(2);
        assertThat(services.get("gateway").get("status").asString()).isEqualTo("UP");
        assertThat(services.get("outbox-service").get("status").asString()).isEqualTo("UP");
        assertThat(services.get("outbox-service").get("stats").get("gauges").get("messages_waiting").asInt())
                .isEqualTo(3);
        assertThat(services.get("inbox-service").get("status").asString()).isEqualTo("OUT_OF_SERVICE");
        assertThat(services.get("inbox-service").has("stats")).isFalse();
        assertThat(services.get("notifier-service").get("status").asString()).isEqualTo("DOWN");
        assertThat(OUTBOX.receivedUnder("/internal/v1/stats?minutes=5")).singleElement()
                .satisfies(r -> assertThat(r.header("Authorization")).isEqualTo(TestInternalSecret.AUTHORIZATION));
    }
}
