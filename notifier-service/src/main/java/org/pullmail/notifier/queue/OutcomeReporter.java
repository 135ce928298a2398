package org.pullmail.notifier.queue;

import java.io.IOException;
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

import com.fasterxml.jackson.annotation.JsonProperty;

import org.pullmail.notifier.NotifierProperties;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.Backoff;
import org.pullmail.service.InternalApi;
import org.pullmail.service.QueueLease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Reports every notification's outcome to the outbox, at least once (the outbox is idempotent). */
@Component
class OutcomeReporter {

    private static final Logger log = LoggerFactory.getLogger(OutcomeReporter.class);
    private static final int BATCH = 50;
    private static final QueueLease REPORTS = new QueueLease("notification", "uuid", "report_next_at", "report_attempts");
    /** The outbox is local: 1 s, then up to twice as long each time, a minute at most. */
    private static final Backoff RETRIES = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));

    private record Due(UUID id, String messageId, String notificationId, String recipientDomain, String state, String receipt,
            String lastError, int attempts, Instant sentAt) {
    }

    private final JdbcClient jdbc;
    private final HttpClient http;
    private final InternalApi internal;
    private final NotifierProperties notifier;
    private final Clock clock;

    OutcomeReporter(JdbcClient jdbc, HttpClient http, InternalApi internal, NotifierProperties notifier, Clock clock) {
        this.jdbc = jdbc;
        this.http = http;
        this.internal = internal;
        this.notifier = notifier;
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "${pullmail.notifier.poll-interval:PT0.2S}")
    void reportDue() {
        Instant now = clock.instant();
        // a queue claim: one statement, hence JdbcClient
        List<Due> due = REPORTS.claim(jdbc, "report_due AND report_next_at <= ?", "report_next_at", BATCH,
                now.plusSeconds(30), "id, message_id, notification_id, recipient_domain, state, receipt, last_error,"
                        + " report_attempts - 1 AS report_attempts, sent_at",
                (rs, n) -> new Due(rs.getObject("id", UUID.class), rs.getString("message_id"),
                        rs.getString("notification_id"),
                        rs.getString("recipient_domain"), rs.getString("state"), rs.getString("receipt"),
                        rs.getString("last_error"), rs.getInt("report_attempts"),
                        rs.getTimestamp("sent_at") == null ? null : rs.getTimestamp("sent_at").toInstant()),
                Timestamp.from(now));
        due.forEach(this::report);
    }

    /**
     * What the notifier tells the outbox of one notification, on the outbox's internal API
     * ({@code POST /internal/v1/outcomes}); the outbox declares its own view of it.
     */
    record OutcomeReport(String messageId, String notificationId, String recipientDomain, Result result,
            Instant notifiedAt, String detail, List<NotificationReceipt.RecipientOutcome> recipients) {

        enum Result {
            /** The recipient's domain answered: each recipient's outcome is its receipt's. */
            @JsonProperty("notified") NOTIFIED,
            /** The notifier gave up: {@code detail} says why. */
            @JsonProperty("failed") FAILED
        }
    }

    private void report(Due d) {
        OutcomeReport outcome;
        if ("sent".equals(d.state())) {
            List<NotificationReceipt.RecipientOutcome> recipients = List.of();
            try {
                recipients = PmpJson.read(d.receipt().getBytes(StandardCharsets.UTF_8), NotificationReceipt.class,
                        ProblemType.MALFORMED_REQUEST).recipients();
            } catch (ProtocolException | RuntimeException e) {
                log.warn("notification {}: the receipt from {} is unreadable; reporting all as accepted", d.id(),
                        d.recipientDomain());
            }
            outcome = new OutcomeReport(d.messageId(), d.notificationId(), d.recipientDomain(),
                    OutcomeReport.Result.NOTIFIED, d.sentAt(), null, recipients == null ? List.of() : recipients);
        } else {
            outcome = new OutcomeReport(d.messageId(), d.notificationId(), d.recipientDomain(),
                    OutcomeReport.Result.FAILED, null, d.lastError(), null);
        }
        try {
            HttpResponse<String> response = http.send(internal.request(notifier.outboxUrl() + "/internal/v1/outcomes")
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(PmpJson.writeString(outcome))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 == 2) {
                jdbc.sql("UPDATE notification SET report_due = false WHERE id = ?").param(d.id()).update();
                return;
            }
            log.warn("outbox refused the outcome of {}: {} {}", d.id(), response.statusCode(), response.body());
        } catch (IOException e) {
            log.warn("outbox unreachable for the outcome of {}: {}", d.id(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        jdbc.sql("UPDATE notification SET report_next_at = ? WHERE id = ?")
                .params(Timestamp.from(clock.instant().plus(RETRIES.after(d.attempts() + 1))), d.id()).update();
    }
}
