package org.pullmail.notifier.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.pullmail.notifier.NotifierWithPeers;
import org.pullmail.notifier.PeerStandIns.Answer;
import org.pullmail.notifier.PeerStandIns.Attempt;

import tools.jackson.databind.JsonNode;

/**
 * How the notifier retries a notification the recipient domain does not take: ever longer waits up to the
 * longest backoff, never sooner than a Retry-After asks, until the notification's lifetime is over; then it
 * fails and the outbox hears so. A refusal fails it at once.
 */
class NotificationSenderTest extends NotifierWithPeers {

    /** Longer than any backoff here (8 s): a row whose next attempt lies nearer is waiting for a retry. */
    private static final Duration LEASE = Duration.ofSeconds(60);

    @Test
    void eachFailedAttemptWaitsLongerUpToTheLongestBackoff() throws Exception {
        PEERS.domains.put("busy.test", attempt -> Answer.of(503));
        signal("n-busy", "m-busy", List.of("ann@busy.test"), CLOCK.instant().plus(Duration.ofDays(7)));

        List<Duration> waits = new ArrayList<>();
        for (int attempt = 1; attempt <= 6; attempt++) {
            Instant tried = CLOCK.instant();
            int n = attempt;
            Row retrying = await(row -> row.attempts() == n && row.nextAttemptAt().isBefore(tried.plus(LEASE)));
            Duration wait = Duration.between(tried, retrying.nextAttemptAt());
            // attempt n waits between the first backoff and 1 s · 2^(n-1), never more than the longest (8 s)
            Duration ceiling = Duration.ofSeconds(Math.min(8, 1L << (attempt - 1)));
            assertThat(wait).as("the wait after attempt " + attempt).isBetween(Duration.ofSeconds(1), ceiling);
            assertThat(retrying.state()).isEqualTo("pending");
            assertThat(retrying.lastError()).contains("busy.test answered 503");
            waits.add(wait);
            CLOCK.advanceTo(retrying.nextAttemptAt());
        }
        assertThat(waits.get(0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(waits.subList(1, waits.size())).as("later waits are longer than the first")
                .anySatisfy(wait -> assertThat(wait).isGreaterThan(Duration.ofSeconds(1)));
        assertThat(PEERS.attemptsTo("busy.test")).hasSize(6);
    }

    @Test
    void aRetryAfterIsHonouredAndNothingIsTriedBeforeIt() throws Exception {
        PEERS.domains.put("slow.test", attempt -> switch (attempt) {
            case 1 -> Answer.retryAfter(429, 120);
            case 2 -> Answer.retryAfter(503, 45);
            default -> Answer.receipt("n-slow", Map.of("bo@slow.test", "accepted"));
        });
        signal("n-slow", "m-slow", List.of("bo@slow.test"), CLOCK.instant().plus(Duration.ofDays(7)));

        Instant first = CLOCK.instant();
        Row limited = await(row -> row.attempts() == 1 && row.lastError() != null);
        assertThat(limited.lastError()).contains("slow.test answered 429");
        assertThat(limited.nextAttemptAt()).as("the peer's 120 s, not the 1 s backoff").isEqualTo(first.plusSeconds(120));

        CLOCK.advance(Duration.ofSeconds(119));
        Awaitility.await("nothing is tried a second early").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> PEERS.attemptsTo("slow.test").size() == 1);

        CLOCK.advanceTo(limited.nextAttemptAt());
        Instant second = CLOCK.instant();
        Row unavailable = await(row -> row.attempts() == 2 && row.lastError().contains("503"));
        assertThat(unavailable.nextAttemptAt()).isEqualTo(second.plusSeconds(45));

        CLOCK.advanceTo(unavailable.nextAttemptAt());
        Row sent = await(row -> row.state().equals("sent"));
        assertThat(sent.sentAt()).isEqualTo(unavailable.nextAttemptAt());
        assertThat(PEERS.attemptsTo("slow.test")).extracting(Attempt::at)
                .containsExactly(first, first.plusSeconds(120), first.plusSeconds(165));
    }

    @Test
    void afterItsLifetimeANotificationFailsAndTheOutboxHearsItFailed() throws Exception {
        PEERS.domains.put("down.test", attempt -> Answer.of(500));
        Instant start = CLOCK.instant();
        // it expires in 5 s, sooner than the notifier's lifetime: it is given up then
        signal("n-down", "m-down", List.of("cy@down.test"), start.plusSeconds(5));
        assertThat(row("n-down").giveUpAt()).isEqualTo(start.plusSeconds(5));

        Row last = null;
        for (int attempt = 1; attempt <= 8; attempt++) {
            Instant tried = CLOCK.instant();
            int n = attempt;
            last = await(row -> row.state().equals("failed")
                    || row.attempts() == n && row.nextAttemptAt().isBefore(tried.plus(LEASE)));
            if (last.state().equals("failed")) {
                break;
            }
            assertThat(last.nextAttemptAt()).as("a retry is planned only within the lifetime")
                    .isBeforeOrEqualTo(start.plusSeconds(5));
            CLOCK.advanceTo(last.nextAttemptAt());
        }
        assertThat(last.state()).isEqualTo("failed");
        int attempts = PEERS.attemptsTo("down.test").size();
        assertThat(attempts).as("at least a second apart, within 5 s").isBetween(3, 6);
        assertThat(last.failedAt()).isEqualTo(CLOCK.instant());
        assertThat(last.lastError()).startsWith("gave up after " + attempts + " attempts; last: down.test answered 500");
        assertThat(last.payload()).as("kept, so that an admin can resend it").isNotNull();

        JsonNode outcome = awaitOutcome("n-down");
        assertThat(outcome.get("message_id").asString()).isEqualTo("m-down");
        assertThat(outcome.get("recipient_domain").asString()).isEqualTo("down.test");
        assertThat(outcome.get("result").asString()).isEqualTo("failed");
        assertThat(outcome.get("detail").asString()).isEqualTo(last.lastError());
        assertThat(outcome.has("recipients")).isFalse();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !row("n-down").reportDue());

        // a failed notification is not tried again, however much time passes
        CLOCK.advance(Duration.ofHours(1));
        Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> PEERS.attemptsTo("down.test").size() == attempts);
        assertThat(PEERS.outcomesOf("n-down")).hasSize(1);
    }

    @Test
    void aRefusalFailsTheNotificationAtOnce() throws Exception {
        PEERS.domains.put("strict.test", attempt -> Answer.of(400));
        signal("n-strict", "m-strict", List.of("di@strict.test"), CLOCK.instant().plus(Duration.ofDays(7)));

        Row failed = await(row -> row.state().equals("failed"));
        assertThat(failed.attempts()).isEqualTo(1);
        assertThat(failed.lastError()).startsWith("strict.test refused the notification (400)");
        assertThat(awaitOutcome("n-strict").get("result").asString()).isEqualTo("failed");
        assertThat(PEERS.attemptsTo("strict.test")).hasSize(1);
    }

    private Row await(Predicate<Row> condition) {
        String id = currentNotification();
        return Awaitility.await("notification " + id).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> row(id), condition::test);
    }

    /** The one notification a test has queued. */
    private String currentNotification() {
        return jdbc.sql("SELECT notification_id FROM notification").query(String.class).single();
    }

    private static JsonNode awaitOutcome(String notificationId) {
        return Awaitility.await("the outcome of " + notificationId).atMost(Duration.ofSeconds(5))
                .until(() -> PEERS.outcomesOf(notificationId), outcomes -> !outcomes.isEmpty()).get(0);
    }
}
