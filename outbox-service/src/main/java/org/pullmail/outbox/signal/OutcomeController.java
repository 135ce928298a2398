package org.pullmail.outbox.signal;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.pullmail.service.ApiProblem;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

/**
 * The notifier reports what became of each notification. Idempotent: a delivery only moves on from
 * {@code queued} (or from {@code failed}, when an admin resent a notification that had given up), so
 * a repeated report changes nothing.
 */
@RestController
class OutcomeController {

    record RecipientOutcome(@NotBlank String address, @NotBlank String outcome) {
    }

    /**
     * result: {@code notified} (the recipient domain answered, at {@code notifiedAt}) or {@code failed} (the
     * notifier gave up).
     */
    record Outcome(@NotNull UUID messageId, String notificationId, @NotBlank String recipientDomain,
            @NotBlank String result, String detail,
            List<RecipientOutcome> recipients, Instant notifiedAt) {
    }

    /**
     * The deliveries one notification carried: its message, its recipient domain and its id (null from a
     * notifier of before notifications had ids of their own: then every one in the domain; a delivery of
     * before has a null id, and its one notification had the message's id).
     */
    private static final String CARRIED = " message_id = :message AND recipient_domain = :domain"
            + " AND (CAST(:notification AS text) IS NULL OR coalesce(notification_id, message_id::text) = :notification)";
    /** One recipient among them. */
    private static final String CARRIED_RECIPIENT = CARRIED + " AND recipient = :recipient";

    private final JdbcClient jdbc;
    private final Clock clock;

    OutcomeController(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @PostMapping("/internal/v1/outcomes")
    @Transactional
    ResponseEntity<Void> report(@Valid @RequestBody Outcome outcome) {
        Timestamp now = Timestamp.from(clock.instant());
        switch (outcome.result()) {
            // only the recipients that this notification carried (a notifier from before notifications had
            // ids of their own reports none: then every recipient in the domain)
            case "failed" -> jdbc.sql("UPDATE delivery SET state = 'failed', failed_at = :now, detail = :detail WHERE"
                            + CARRIED + " AND state = 'queued'")
                    .param("now", now).param("detail", outcome.detail()).param("message", outcome.messageId())
                    .param("domain", outcome.recipientDomain()).param("notification", outcome.notificationId())
                    .update();
            case "notified" -> {
                Timestamp notifiedAt = outcome.notifiedAt() == null ? now : Timestamp.from(outcome.notifiedAt());
                for (RecipientOutcome r : outcome.recipients() == null ? List.<RecipientOutcome>of() : outcome.recipients()) {
                    // only deliveries this notification carried: a receipt that names anyone else is ignored there
                    // (PROTOCOL.md 3.4), so one domain's answer can never change another domain's deliveries
                    String sql = switch (r.outcome()) {
                        case "unknown" -> "UPDATE delivery SET state = 'failed', failed_at = :now, detail = 'no such mailbox'"
                                + " WHERE" + CARRIED_RECIPIENT + " AND state IN ('queued', 'failed')";
                        case "blocked" -> "UPDATE delivery SET state = 'declined', declined_at = :now,"
                                + " detail = 'blocked by the recipient'"
                                + " WHERE" + CARRIED_RECIPIENT + " AND state IN ('queued', 'failed')";
                        // accepted, or an outcome this version does not know (PROTOCOL.md 3.4). The recipient's domain
                        // may have fetched (even stored) the message before this report arrives: the delivery keeps its
                        // later state and learns when it was notified
                        default -> "UPDATE delivery SET notified_at = LEAST(notified_at, :at),"
                                + " state = CASE WHEN state IN ('queued', 'failed') THEN 'notified' ELSE state END"
                                + " WHERE" + CARRIED_RECIPIENT
                                + " AND state IN ('queued', 'failed', 'notified', 'fetched', 'stored', 'declined', 'spam')";
                    };
                    jdbc.sql(sql).param("now", now).param("at", notifiedAt).param("message", outcome.messageId())
                            .param("recipient", r.address()).param("domain", outcome.recipientDomain())
                            .param("notification", outcome.notificationId()).update();
                }
                // a recipient the receipt did not list (or an unreadable receipt) counts as accepted too: the
                // receiver holds the token and may still fetch (PROTOCOL.md 3.4)
                jdbc.sql("UPDATE delivery SET state = 'notified', notified_at = COALESCE(notified_at, :at) WHERE"
                                + CARRIED + " AND state = 'queued'")
                        .param("at", notifiedAt).param("message", outcome.messageId())
                        .param("domain", outcome.recipientDomain()).param("notification", outcome.notificationId())
                        .update();
            }
            default -> throw ApiProblem.invalid("result is notified or failed");
        }
        return ResponseEntity.noContent().build();
    }
}
