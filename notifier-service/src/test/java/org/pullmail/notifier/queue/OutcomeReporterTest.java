package org.pullmail.notifier.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.pullmail.notifier.NotifierWithPeers;
import org.pullmail.notifier.PeerStandIns.Answer;
import org.pullmail.notifier.PeerStandIns.Attempt;
import org.pullmail.protocol.http.ContentDigest;

import tools.jackson.databind.JsonNode;

/**
 * A notification the recipient domain took is reported to the outbox as notified, with the outcome the receipt
 * gives each recipient; a report the outbox does not take is made again after a backoff, until it does.
 */
class OutcomeReporterTest extends NotifierWithPeers {

    @Test
    void aReceiptIsReportedToTheOutboxAsNotifiedWithEachRecipientsOutcome() throws Exception {
        PEERS.domains.put("fine.test", attempt -> Answer.receipt("n-fine",
                Map.of("ann@fine.test", "accepted", "bob@fine.test", "unknown", "cat@fine.test", "blocked")));
        Instant sentAt = CLOCK.instant();
        signal("n-fine", "m-fine", List.of("ann@fine.test", "bob@fine.test", "cat@fine.test"),
                sentAt.plus(Duration.ofDays(7)));

        JsonNode outcome = awaitOutcomes("n-fine", 1).get(0);
        assertThat(outcome.get("message_id").asString()).isEqualTo("m-fine");
        assertThat(outcome.get("recipient_domain").asString()).isEqualTo("fine.test");
        assertThat(outcome.get("result").asString()).isEqualTo("notified");
        assertThat(Instant.parse(outcome.get("notified_at").asString())).isEqualTo(sentAt);
        assertThat(outcome.has("detail")).isFalse();
        Map<String, String> outcomes = new TreeMap<>();
        outcome.get("recipients").forEach(r -> outcomes.put(r.get("address").asString(), r.get("outcome").asString()));
        assertThat(outcomes).containsExactlyInAnyOrderEntriesOf(
                Map.of("ann@fine.test", "accepted", "bob@fine.test", "unknown", "cat@fine.test", "blocked"));

        Row sent = Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> row("n-fine"), row -> !row.reportDue());
        assertThat(sent.state()).isEqualTo("sent");
        assertThat(sent.sentAt()).isEqualTo(sentAt);
        assertThat(sent.payload()).as("the capability tokens are not kept once delivered").isNull();

        // what the recipient domain got: the notification as the outbox handed it over, signed, with its digest
        Attempt attempt = PEERS.attemptsTo("fine.test").get(0);
        assertThat(attempt.notification().get("id").asString()).isEqualTo("n-fine");
        assertThat(attempt.notification().get("recipients").size()).isEqualTo(3);
        assertThat(attempt.headers().getFirst("Content-Type")).startsWith("application/json");
        assertThat(attempt.headers().getFirst("Content-Digest")).isEqualTo(ContentDigest.sha256(attempt.body()));
        assertThat(attempt.headers().getFirst("Signature-Input")).contains("content-digest");
        assertThat(attempt.headers().getFirst("Signature")).isNotBlank();
    }

    @Test
    void anOutcomeTheOutboxDoesNotTakeIsReportedAgainAfterABackoff() throws Exception {
        PEERS.outboxStatus = report -> report == 1 ? 503 : 200;
        PEERS.domains.put("other.test", attempt -> Answer.receipt("n-other", Map.of("eve@other.test", "accepted")));
        signal("n-other", "m-other", List.of("eve@other.test"), CLOCK.instant().plus(Duration.ofDays(7)));

        JsonNode first = awaitOutcomes("n-other", 1).get(0);
        Instant refused = CLOCK.instant();
        Row waiting = Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> row("n-other"), row -> row.reportAttempts() == 1 && refused.plusSeconds(1).equals(row.reportNextAt()));
        assertThat(waiting.reportDue()).isTrue();
        Awaitility.await("not again before the backoff").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> PEERS.outcomesOf("n-other").size() == 1);

        CLOCK.advanceTo(waiting.reportNextAt());
        List<JsonNode> reports = awaitOutcomes("n-other", 2);
        assertThat(reports.get(1)).isEqualTo(first);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !row("n-other").reportDue());
        Awaitility.await("reported until taken, then no more").during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(2)).until(() -> PEERS.outcomesOf("n-other").size() == 2);
    }

    private static List<JsonNode> awaitOutcomes(String notificationId, int count) {
        return new ArrayList<>(Awaitility.await("outcome reports of " + notificationId).atMost(Duration.ofSeconds(5))
                .until(() -> PEERS.outcomesOf(notificationId), reports -> reports.size() >= count));
    }
}
