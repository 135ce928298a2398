package org.pullmail.outbox.signal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

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
import org.springframework.web.util.UriUtils;

import jakarta.annotation.PreDestroy;

/**
 * Delivers sent signals to the domain's own inbox ({@code POST {inbox-url}/internal/v1/mailboxes/{sender}/sent}).
 * A batch is claimed with {@code FOR UPDATE SKIP LOCKED} and leased in one statement; the HTTP calls run outside
 * any transaction. A 2xx answer deletes the signal; another 4xx is a contract error that no retry heals, so the
 * signal is logged and dropped; 5xx, 408, 429, an unreachable inbox and 401 (the two services do not hold the same
 * internal secret: the operator's to fix, and the signal waits for it) are retried with backoff. A signal still
 * undelivered after a day is dropped with a warning: by then its replies have come and waited as requests. A
 * process that dies after the inbox took a signal but before it was deleted sends it again when the lease ends;
 * the contract has the inbox take a repeat of the same sender and Message-ID as the same signal.
 */
@Component
class SentSignalRelay {

    private static final Logger log = LoggerFactory.getLogger(SentSignalRelay.class);
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final int BATCH = 50;
    /** How long a signal is retried before it is dropped. */
    static final Duration LIFETIME = Duration.ofDays(1);
    private static final QueueLease QUEUE = new QueueLease("sent_signal", "uuid", "next_attempt_at", "attempts");
    /** The inbox is local: 1 s, then up to twice as long each time, five minutes at most. */
    private static final Backoff RETRIES = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5));

    private record Claimed(UUID id, String sender, SentSignal signal, int attempts) {
    }

    private final JdbcClient jdbc;
    private final HttpClient http;
    private final InternalApi internal;
    private final OutboxProperties outbox;
    private final Clock clock;

    SentSignalRelay(JdbcClient jdbc, HttpClient http, InternalApi internal, OutboxProperties outbox, Clock clock) {
        this.jdbc = jdbc;
        this.http = http;
        this.internal = internal;
        this.outbox = outbox;
        this.clock = clock;
    }

    private final WorkLoop<Claimed> loop = new WorkLoop<>("sent-signal-relay", BATCH, 4, this::claim, this::deliver);

    @Scheduled(fixedDelayString = "${pullmail.outbox.relay-interval:PT0.2S}")
    void relay() {
        loop.nudge();
    }

    @TransactionalEventListener(fallbackExecution = true)
    void onQueued(SentSignals.Queued event) {
        loop.nudge();
    }

    @PreDestroy
    void stop() {
        loop.close();
    }

    private List<Claimed> claim() {
        Instant now = clock.instant();
        // a queue claim: one statement, hence JdbcClient
        return QUEUE.claim(jdbc, "next_attempt_at <= ?", "next_attempt_at", BATCH, now.plus(LEASE),
                "id, sender, message_id, correspondents, sent_at, attempts",
                (rs, n) -> new Claimed(rs.getObject("id", UUID.class), rs.getString("sender"),
                        new SentSignal(rs.getString("message_id"),
                                List.of((String[]) rs.getArray("correspondents").getArray()),
                                rs.getTimestamp("sent_at").toInstant()),
                        rs.getInt("attempts")),
                Timestamp.from(now));
    }

    private void deliver(Claimed claimed) {
        if (claimed.signal().sentAt().isBefore(clock.instant().minus(LIFETIME))) {
            log.warn("sent signal {} of {} dropped undelivered after {} attempts: the inbox will not learn of "
                    + "message {}", claimed.id(), claimed.sender(), claimed.attempts() - 1, claimed.signal().messageId());
            delete(claimed);
            return;
        }
        URI target = URI.create(outbox.inboxUrl() + "/internal/v1/mailboxes/"
                + UriUtils.encodePathSegment(claimed.sender(), StandardCharsets.UTF_8) + "/sent");
        try {
            HttpResponse<String> response = http.send(internal.request(target)
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(PmpJson.writeString(claimed.signal()))).build(),
                    HttpResponse.BodyHandlers.ofString());
            int status = response.statusCode();
            if (status / 100 == 2) {
                delete(claimed);
            } else if (status / 100 == 4 && status != 401 && status != 408 && status != 429) {
                log.warn("sent signal {} of {} dropped: the inbox refused it with {}: {}", claimed.id(),
                        claimed.sender(), status, shortened(response.body()));
                delete(claimed);
            } else {
                retryLater(claimed, "inbox answered " + status + ": " + shortened(response.body()),
                        Backoff.retryAfter(response.headers().firstValue("Retry-After").orElse(null)));
            }
        } catch (IOException e) {
            retryLater(claimed, "inbox unreachable: " + e, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void delete(Claimed claimed) {
        jdbc.sql("DELETE FROM sent_signal WHERE id = ?").param(claimed.id()).update();
    }

    private void retryLater(Claimed claimed, String error, Duration retryAfter) {
        log.warn("sent signal {} not delivered (attempt {}): {}", claimed.id(), claimed.attempts(), error);
        jdbc.sql("UPDATE sent_signal SET next_attempt_at = ?, last_error = ? WHERE id = ?")
                .params(Timestamp.from(clock.instant().plus(RETRIES.after(claimed.attempts(), retryAfter))), error,
                        claimed.id())
                .update();
    }

    private static String shortened(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "…";
    }
}
