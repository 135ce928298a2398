package org.pullmail.notifier.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.pullmail.notifier.NotifierWithPeers;
import org.pullmail.notifier.PeerStandIns.Answer;

import tools.jackson.databind.JsonNode;

/**
 * The outbound queue as admins see it: newest first, a page at a time, with its depths; resending and dropping
 * entries, and refusals of what cannot be done.
 */
class QueueAdminTest extends NotifierWithPeers {

    @Test
    void retryingEntriesComeNewestFirstAPageAtATime() throws Exception {
        PEERS.domains.put("queued.test", attempt -> Answer.of(503));
        List<String> queued = List.of("n-q1", "n-q2", "n-q3", "n-q4", "n-q5");
        for (int i = 0; i < queued.size(); i++) {
            signal(queued.get(i), "m-q" + i, List.of("fay@queued.test"), CLOCK.instant().plus(Duration.ofDays(7)));
            if (i != 2) {
                CLOCK.advance(Duration.ofMillis(10)); // the third and fourth are queued in the same instant
            }
        }
        Awaitility.await("every entry tried once").atMost(Duration.ofSeconds(5)).until(() -> jdbc.sql(
                "SELECT count(*) FROM notification WHERE attempts = 1 AND last_error IS NOT NULL")
                .query(Integer.class).single() == 5);

        List<String> seen = new ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            HttpResponse<String> response = asAdmin("GET", "/api/v1/admin/queue?state=retrying&domain=queued.test&limit=2"
                    + (next == null ? "" : "&cursor=" + next));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode page = JSON.readTree(response.body());
            assertThat(page.get("depths").get("retrying").asInt()).isEqualTo(5);
            page.get("entries").forEach(entry -> {
                assertThat(entry.get("state").asString()).isEqualTo("retrying");
                assertThat(entry.get("attempts").asInt()).isEqualTo(1);
                assertThat(entry.get("recipient_domain").asString()).isEqualTo("queued.test");
                seen.add(entry.get("message_id").asString());
            });
            next = page.has("next") ? page.get("next").asString() : null;
            pages++;
        } while (next != null && pages < 10);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactly("m-q4", "m-q3", "m-q2", "m-q1", "m-q0");

        JsonNode pending = JSON.readTree(asAdmin("GET", "/api/v1/admin/queue?state=pending").body());
        assertThat(pending.get("entries").size()).isZero();
        assertThat(pending.has("next")).isFalse();
    }

    @Test
    void anEntryCanBeResentOrDroppedAndTheSenderHearsOfTheDrop() throws Exception {
        PEERS.domains.put("queued.test", attempt -> Answer.of(503));
        signal("n-resend", "m-resend", List.of("gus@queued.test"), CLOCK.instant().plus(Duration.ofDays(7)));
        signal("n-drop", "m-drop", List.of("hal@queued.test"), CLOCK.instant().plus(Duration.ofDays(7)));
        Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> row("n-resend").lastError() != null && row("n-drop").lastError() != null);

        Row waiting = row("n-resend");
        assertThat(waiting.nextAttemptAt()).isAfter(CLOCK.instant());
        HttpResponse<String> resent = asAdmin("POST", "/api/v1/admin/queue/" + waiting.id() + "/resend");
        assertThat(JSON.readTree(resent.body()).get("entries").asInt()).isEqualTo(1);
        Awaitility.await("tried again without waiting for its backoff").atMost(Duration.ofSeconds(5))
                .until(() -> row("n-resend").attempts() == 2);

        Row dropped = row("n-drop");
        assertThat(JSON.readTree(asAdmin("DELETE", "/api/v1/admin/queue/" + dropped.id()).body()).get("entries")
                .asInt()).isEqualTo(1);
        Row failed = row("n-drop");
        assertThat(failed.state()).isEqualTo("failed");
        assertThat(failed.lastError()).isEqualTo("dropped by an admin");
        assertThat(failed.payload()).isNull();
        JsonNode outcome = Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> PEERS.outcomesOf("n-drop"), reports -> !reports.isEmpty()).get(0);
        assertThat(outcome.get("result").asString()).isEqualTo("failed");
        assertThat(outcome.get("detail").asString()).isEqualTo("dropped by an admin");

        // what cannot be done is refused, and changes nothing
        HttpResponse<String> again = asAdmin("DELETE", "/api/v1/admin/queue/" + dropped.id());
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(again.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        HttpResponse<String> resendDropped = asAdmin("POST", "/api/v1/admin/queue/" + dropped.id() + "/resend");
        assertThat(resendDropped.statusCode()).as("its notification is gone").isEqualTo(409);
        assertThat(row("n-drop").state()).isEqualTo("failed");
    }

    @Test
    void whatTheListDoesNotKnowIsABadRequestAndOnlyAdminsSeeTheQueue() throws Exception {
        for (String query : List.of("?state=bogus", "?cursor=not-a-cursor", "?limit=0", "?limit=-1",
                "?cursor=fGlk", // "|id": a cursor without the time this list is ordered by
                "?cursor=MjAyNi0xMS0zMFQxMDowMDowMFp8bm90LWEtdXVpZA")) { // "2026-11-30T10:00:00Z|not-a-uuid"
            HttpResponse<String> response = asAdmin("GET", "/api/v1/admin/queue" + query);
            assertThat(response.statusCode()).as(query + ": " + response.body()).isEqualTo(400);
            assertThat(JSON.readTree(response.body()).get("type").asString())
                    .isEqualTo("https://pullmail.org/problems/invalid-request");
        }
        assertThat(asAdmin("POST", "/api/v1/admin/queue/not-a-uuid/resend").statusCode()).isEqualTo(400);
        assertThat(http.send(HttpRequest.newBuilder(url("/api/v1/admin/queue")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    }
}
