package org.pullmail.notifier.queue;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

import org.pullmail.notifier.NotifierProperties;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.TimeOrderedIds;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import tools.jackson.databind.JsonNode;

/**
 * Takes signal requests from the outbox into the durable queue. Idempotent on the notification's id and
 * recipient domain: the outbox's relay may hand the same signal over more than once.
 */
@RestController
class SignalController {

    /**
     * What the outbox hands over (this service's view of it). messageId: the outbox's message, which may be
     * announced in several notifications to one domain (absent from an outbox of before that).
     */
    record SignalRequest(@NotBlank String recipientDomain, String messageId, @NotNull JsonNode notification) {
    }

    private final JdbcClient jdbc;
    private final NotifierProperties notifier;
    private final Clock clock;
    private final NotificationSender sender;

    SignalController(JdbcClient jdbc, NotifierProperties notifier, Clock clock, NotificationSender sender) {
        this.sender = sender;
        this.jdbc = jdbc;
        this.notifier = notifier;
        this.clock = clock;
    }

    @PostMapping("/internal/v1/signals")
    ResponseEntity<Void> accept(@Valid @RequestBody SignalRequest signal) throws ProtocolException {
        String payload = signal.notification().toString();
        Notification notification = PmpJson.readNotification(payload.getBytes(StandardCharsets.UTF_8));
        boolean allInDomain = notification.recipients().stream()
                .allMatch(r -> Addresses.domainOf(r.address()).equals(signal.recipientDomain()));
        if (!allInDomain || !Addresses.isValidDomain(signal.recipientDomain())) {
            throw ApiProblem.invalid("the notification's recipients are not in " + signal.recipientDomain());
        }
        Instant now = clock.instant();
        Instant giveUp = now.plus(notifier.lifetime());
        if (notification.expiresAt().isBefore(giveUp)) {
            giveUp = notification.expiresAt();
        }
        // an outbox from before notifications had ids of their own sent the message id as the notification id
        String messageId = signal.messageId() == null ? notification.id() : signal.messageId();
        jdbc.sql("""
                INSERT INTO notification (id, message_id, notification_id, sender, recipient_domain, payload, state,
                                          next_attempt_at, give_up_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
                ON CONFLICT (notification_id, recipient_domain) DO NOTHING""")
                .params(TimeOrderedIds.next(), messageId, notification.id(), notification.from(),
                        signal.recipientDomain(), payload, Timestamp.from(now), Timestamp.from(giveUp), Timestamp.from(now))
                .update();
        sender.nudge();
        return ResponseEntity.accepted().build();
    }
}
