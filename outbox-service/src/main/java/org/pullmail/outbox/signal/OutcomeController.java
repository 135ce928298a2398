package org.pullmail.outbox.signal;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.pullmail.protocol.NotificationReceipt;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;

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

    /**
     * One recipient's outcome, as the recipient's receipt said it; an outcome this version does not know
     * reads as accepted (PROTOCOL.md 3.4).
     */
    record RecipientOutcome(@NotBlank String address,
            @NotNull @JsonFormat(with = JsonFormat.Feature.READ_UNKNOWN_ENUM_VALUES_USING_DEFAULT_VALUE)
            NotificationReceipt.Outcome outcome) {
    }

    enum Result {
        /** The recipient domain answered, at {@code notifiedAt}. */
        @JsonProperty("notified") NOTIFIED,
        /** The notifier gave up. */
        @JsonProperty("failed") FAILED
    }

    /** The notifier's report of one notification (this service's view of it). */
    record Outcome(@NotNull UUID messageId, String notificationId, @NotBlank String recipientDomain,
            @NotNull Result result, String detail, List<@Valid RecipientOutcome> recipients, Instant notifiedAt) {
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
            case FAILED -> jdbc.sql("UPDATE delivery SET state = 'failed', failed_at = :now, detail = :detail WHERE"
                            + CARRIED + " AND state = 'queued'")
                    .param("now", now).param("detail", outcome.detail()).param("message", outcome.messageId())
                    .param("domain", outcome.recipientDomain()).param("notification", outcome.notificationId())
                    .update();
            case NOTIFIED -> {
                Timestamp notifiedAt = outcome.notifiedAt() == null ? now : Timestamp.from(outcome.notifiedAt());
                for (RecipientOutcome r : outcome.recipients() == null ? List.<RecipientOutcome>of() : outcome.recipients()) {
                    // only deliveries this notification carried: a receipt that names anyone else is ignored there
                    // (PROTOCOL.md 3.4), so one domain's answer can never change another domain's deliveries
                    String sql = switch (r.outcome()) {
                        case UNKNOWN -> "UPDATE delivery SET state = 'failed', failed_at = :now, detail = 'no such mailbox'"
                                + " WHERE" + CARRIED_RECIPIENT + " AND state IN ('queued', 'failed')";
                        case BLOCKED -> "UPDATE delivery SET state = 'declined', declined_at = :now,"
                                + " detail = 'blocked by the recipient'"
                                + " WHERE" + CARRIED_RECIPIENT + " AND state IN ('queued', 'failed')";
                        // accepted, or an outcome this version does not know (PROTOCOL.md 3.4). The recipient's domain
                        // may have fetched (even stored) the message before this report arrives: the delivery keeps its
                        // later state and learns when it was notified
                        case ACCEPTED -> "UPDATE delivery SET notified_at = LEAST(notified_at, :at),"
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
        }
        return ResponseEntity.noContent().build();
    }
}
