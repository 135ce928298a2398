package org.pullmail.notifier.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.pullmail.notifier.NotifierWithPeers;
import org.pullmail.notifier.PeerStandIns.Attempt;
import org.pullmail.testing.TestInternalSecret;

import tools.jackson.databind.JsonNode;

/**
 * A recipient domain that publishes no PMP/1 document is an SMTP domain: its notification goes to this domain's
 * SMTP bridge, which then counts as the recipients' domain having accepted it. A domain that merely failed to
 * answer just now is retried, never handed over.
 */
class BridgeHandoverTest extends NotifierWithPeers {

    @Test
    void aDomainWithoutAPmpDocumentIsHandedToTheBridgeAndTheOutboxHearsItNotified() throws Exception {
        signal("n-legacy", "m-legacy", List.of("carol@legacy.test", "dave@legacy.test"),
                CLOCK.instant().plus(Duration.ofDays(7)));

        Row sent = await("n-legacy", row -> row.state().equals("sent"));
        assertThat(sent.attempts()).isEqualTo(1);
        assertThat(sent.payload()).isNull();
        assertThat(PEERS.handovers).hasSize(1);
        Attempt handover = PEERS.handovers.get(0);
        assertThat(handover.headers().getFirst("Authorization")).isEqualTo(TestInternalSecret.AUTHORIZATION);
        assertThat(handover.notification().get("message_id").asString()).isEqualTo("m-legacy");
        JsonNode notification = handover.notification().get("notification");
        assertThat(notification.get("id").asString()).isEqualTo("n-legacy");
        assertThat(notification.get("from").asString()).isEqualTo("sender@alpha.test");
        assertThat(notification.get("fetch_url").asString()).endsWith("/pmp/v1/messages/m-legacy");
        assertThat(notification.get("recipients")).extracting(r -> r.get("address").asString())
                .containsExactly("carol@legacy.test", "dave@legacy.test");
        assertThat(notification.get("recipients").get(0).get("token").asString()).hasSize(43);
        assertThat(PEERS.attemptsTo("legacy.test")).as("nothing is notified over PMP/1").isEmpty();

        JsonNode outcome = awaitOutcome("n-legacy");
        assertThat(outcome.get("result").asString()).isEqualTo("notified");
        assertThat(outcome.get("recipients")).extracting(r -> r.get("address").asString() + " " + r.get("outcome").asString())
                .containsExactly("carol@legacy.test accepted", "dave@legacy.test accepted");
    }

    @Test
    void aBridgeThatCannotTakeItNowIsAskedAgainLater() throws Exception {
        PEERS.bridgeStatus = n -> n == 1 ? 503 : 202;
        signal("n-legacy-2", "m-legacy-2", List.of("carol@legacy.test"), CLOCK.instant().plus(Duration.ofDays(7)));

        Row retrying = await("n-legacy-2", row -> row.attempts() == 1 && row.lastError() != null);
        assertThat(retrying.state()).isEqualTo("pending");
        assertThat(retrying.lastError()).contains("the SMTP bridge answered 503");
        CLOCK.advanceTo(retrying.nextAttemptAt());
        await("n-legacy-2", row -> row.state().equals("sent"));
        assertThat(PEERS.handovers).hasSize(2);
    }

    @Test
    void aDomainWhoseDocumentFailsJustNowIsRetriedNotHandedOver() throws Exception {
        PEERS.discoveryStatus.put("flaky.test", 503);
        signal("n-flaky", "m-flaky", List.of("fred@flaky.test"), CLOCK.instant().plus(Duration.ofDays(7)));

        Row retrying = await("n-flaky", row -> row.attempts() == 1 && row.lastError() != null);
        assertThat(retrying.state()).isEqualTo("pending");
        assertThat(retrying.lastError()).contains("discovery of flaky.test failed").contains("answered 503");
        Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> PEERS.handovers.isEmpty());
    }

    @Test
    void aDomainWhoseDiscoveryKeepsFailingForAnHourGoesBySmtp() throws Exception {
        PEERS.discoveryStatus.put("flaky.test", 503);
        signal("n-silent", "m-silent", List.of("sam@flaky.test"), CLOCK.instant().plus(Duration.ofDays(7)));
        Row retrying = await("n-silent", row -> row.attempts() == 1 && row.lastError() != null);
        assertThat(retrying.state()).isEqualTo("pending");
        assertThat(PEERS.handovers).isEmpty();

        // an hour of failures later (the retries' backoff stays under it), the next attempt goes to the bridge
        CLOCK.advanceTo(CLOCK.instant().plus(Duration.ofMinutes(61)));
        jdbc.sql("UPDATE notification SET next_attempt_at = ? WHERE notification_id = 'n-silent'")
                .param(Timestamp.from(CLOCK.instant())).update();
        await("n-silent", row -> row.state().equals("sent"));
        assertThat(PEERS.handovers).extracting(h -> h.notification().get("notification").get("id").asString())
                .contains("n-silent");
    }

    private Row await(String notificationId, Predicate<Row> condition) {
        return Awaitility.await("notification " + notificationId).atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(20)).until(() -> row(notificationId), condition::test);
    }

    private static JsonNode awaitOutcome(String notificationId) {
        return Awaitility.await("the outcome of " + notificationId).atMost(Duration.ofSeconds(5))
                .until(() -> PEERS.outcomesOf(notificationId), outcomes -> !outcomes.isEmpty()).get(0);
    }
}
