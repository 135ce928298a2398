package org.pullmail.notifier.queue;

import java.nio.charset.StandardCharsets;

import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.ApiProblem;
import org.springframework.http.ResponseEntity;
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

    private final NotificationQueue queue;
    private final NotificationSender sender;

    SignalController(NotificationQueue queue, NotificationSender sender) {
        this.queue = queue;
        this.sender = sender;
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
        // an outbox from before notifications had ids of their own sent the message id as the notification id
        String messageId = signal.messageId() == null ? notification.id() : signal.messageId();
        queue.enqueue(messageId, notification.id(), notification.from(), signal.recipientDomain(), payload,
                notification.expiresAt());
        sender.nudge();
        return ResponseEntity.accepted().build();
    }
}
