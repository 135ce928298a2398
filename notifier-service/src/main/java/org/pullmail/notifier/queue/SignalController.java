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
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import tools.jackson.databind.JsonNode;

/**
 * Takes signal requests from the outbox into the durable queue. Idempotent on (message, recipient
 * domain): the outbox's relay may hand the same signal over more than once.
 */
@RestController
class SignalController {

    record SignalRequest(String recipientDomain, JsonNode notification) {
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
    ResponseEntity<Void> accept(@RequestBody SignalRequest signal) throws ProtocolException {
        if (signal.notification() == null || signal.recipientDomain() == null) {
            throw ApiProblem.invalid("recipient_domain and notification are required");
        }
        String payload = signal.notification().toString();
        Notification notification = PmpJson.readNotification(payload.getBytes(StandardCharsets.UTF_8));
        if (!notification.recipientDomain().equals(signal.recipientDomain())
                || !Addresses.isValidDomain(signal.recipientDomain())) {
            throw ApiProblem.invalid("the notification's recipients are not in " + signal.recipientDomain());
        }
        Instant now = clock.instant();
        Instant giveUp = now.plus(notifier.lifetime());
        if (notification.expiresAt().isBefore(giveUp)) {
            giveUp = notification.expiresAt();
        }
        jdbc.sql("""
                INSERT INTO notification (id, message_id, sender, recipient_domain, payload, state, next_attempt_at,
                                          give_up_at, created_at)
                VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)
                ON CONFLICT (message_id, recipient_domain) DO NOTHING""")
                .params(org.pullmail.service.TimeOrderedIds.next(), notification.id(), notification.from(), signal.recipientDomain(), payload,
                        Timestamp.from(now), Timestamp.from(giveUp), Timestamp.from(now))
                .update();
        sender.nudge();
        return ResponseEntity.accepted().build();
    }
}
