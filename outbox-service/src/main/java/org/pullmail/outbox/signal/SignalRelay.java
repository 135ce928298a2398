package org.pullmail.outbox.signal;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonRawValue;

import org.pullmail.outbox.OutboxProperties;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.Backoff;
import org.pullmail.service.InternalApi;
import org.pullmail.service.QueueLease;
import org.pullmail.service.WorkLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

import jakarta.annotation.PreDestroy;

/**
 * The relay of the transactional outbox: hands signal requests to the notifier. A batch is claimed
 * with {@code FOR UPDATE SKIP LOCKED} and leased (its next attempt pushed out) in a short
 * transaction; the HTTP calls run outside any transaction. The notifier is idempotent on the
 * notification's id and recipient domain, so a hand-over repeated after a crash does no harm.
 */
@Component
public class SignalRelay {

    private static final Logger log = LoggerFactory.getLogger(SignalRelay.class);
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final int BATCH = 50;
    private static final QueueLease QUEUE = new QueueLease("signal_request", "uuid", "next_attempt_at", "attempts");
    /** The notifier is local: 1 s, then up to twice as long each time, a minute at most. */
    private static final Backoff RETRIES = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));

    private record Claimed(UUID id, UUID messageId, String recipientDomain, String payload, int attempts) {
    }

    private final JdbcClient jdbc;
    private final HttpClient http;
    private final InternalApi internal;
    private final OutboxProperties outbox;
    private final Clock clock;

    SignalRelay(JdbcClient jdbc, HttpClient http, InternalApi internal, OutboxProperties outbox, Clock clock) {
        this.jdbc = jdbc;
        this.http = http;
        this.internal = internal;
        this.outbox = outbox;
        this.clock = clock;
    }

    /** Published by whoever queues signal requests; the relay runs as soon as they are committed. */
    public record SignalsQueued() {
    }

    private final WorkLoop<Claimed> loop = new WorkLoop<>("signal-relay", BATCH, 8, this::claim, this::handOver);

    @Scheduled(fixedDelayString = "${pullmail.outbox.relay-interval:PT0.2S}")
    void relay() {
        loop.nudge();
    }

    @TransactionalEventListener(fallbackExecution = true)
    void onQueued(SignalsQueued event) {
        loop.nudge();
    }

    @PreDestroy
    void stop() {
        loop.close();
    }

    private List<Claimed> claim() {
        Instant now = clock.instant();
        // a queue claim: one statement, hence JdbcClient
        return QUEUE.claim(jdbc, "handed_over_at IS NULL AND next_attempt_at <= ?", "next_attempt_at", BATCH,
                now.plus(LEASE), "id, message_id, recipient_domain, payload, attempts - 1 AS attempts",
                (rs, n) -> new Claimed(rs.getObject("id", UUID.class), rs.getObject("message_id", UUID.class),
                        rs.getString("recipient_domain"), rs.getString("payload"), rs.getInt("attempts")),
                Timestamp.from(now));
    }

    /**
     * What the outbox hands the notifier for one recipient domain, on the notifier's internal API
     * ({@code POST /internal/v1/signals}); the notifier declares its own view of it. The notification goes
     * as the JSON the outbox stored, byte for byte.
     */
    record SignalHandOver(String recipientDomain, UUID messageId, @JsonRawValue String notification) {
    }

    private void handOver(Claimed signal) {
        String body = PmpJson.writeString(new SignalHandOver(signal.recipientDomain(), signal.messageId(),
                signal.payload()));
        try {
            HttpResponse<String> response = http.send(internal.request(outbox.notifierUrl() + "/internal/v1/signals")
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 == 2) {
                jdbc.sql("UPDATE signal_request SET handed_over_at = ?, payload = NULL, last_error = NULL WHERE id = ?")
                        .params(Timestamp.from(clock.instant()), signal.id()).update();
                return;
            }
            retryLater(signal, "notifier answered " + response.statusCode() + ": " + response.body());
        } catch (IOException e) {
            retryLater(signal, "notifier unreachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void retryLater(Claimed signal, String error) {
        log.warn("signal {} not handed over (attempt {}): {}", signal.id(), signal.attempts() + 1, error);
        jdbc.sql("UPDATE signal_request SET next_attempt_at = ?, last_error = ? WHERE id = ?")
                .params(Timestamp.from(clock.instant().plus(RETRIES.after(signal.attempts() + 1))), error, signal.id()).update();
    }
}
