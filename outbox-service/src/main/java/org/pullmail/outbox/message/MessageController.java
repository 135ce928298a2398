package org.pullmail.outbox.message;

import java.net.URI;
import java.util.UUID;

import org.pullmail.outbox.delivery.DeliveryState;
import org.pullmail.outbox.message.MessageViews.SendRequest;
import org.pullmail.outbox.message.MessageViews.SentMessage;
import org.pullmail.outbox.message.MessageViews.SentMessages;
import org.pullmail.service.ApiProblem;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.Valid;

/** The sender's API: send, list, look at and recall messages. Each account sees only its own. */
@RestController
@RequestMapping("/api/v1/outbox/messages")
class MessageController {

    private final MessageService messages;

    MessageController(MessageService messages) {
        this.messages = messages;
    }

    @PostMapping(consumes = "application/json")
    ResponseEntity<SentMessage> send(@AuthenticationPrincipal Jwt user, @Valid @RequestBody SendRequest request) {
        SentMessage sent = messages.send(user.getSubject(), request);
        return ResponseEntity.created(URI.create("/api/v1/outbox/messages/" + sent.id())).body(sent);
    }

    @GetMapping
    SentMessages list(@AuthenticationPrincipal Jwt user, @RequestParam(required = false) String state,
            @RequestParam(defaultValue = "50") int limit) {
        DeliveryState filter = null;
        if (state != null) {
            try {
                filter = DeliveryState.of(state);
            } catch (IllegalArgumentException e) {
                throw ApiProblem.invalid("state must be one of queued, notified, fetched, stored, declined, spam, "
                        + "failed, expired, recalled");
            }
        }
        if (limit < 1 || limit > 500) {
            throw ApiProblem.invalid("limit must be between 1 and 500");
        }
        return new SentMessages(messages.list(user.getSubject(), filter, limit));
    }

    @GetMapping("/{id}")
    SentMessage get(@AuthenticationPrincipal Jwt user, @PathVariable UUID id) {
        return messages.find(user.getSubject(), id);
    }

    @GetMapping("/{id}/raw")
    ResponseEntity<byte[]> raw(@AuthenticationPrincipal Jwt user, @PathVariable UUID id) {
        return ResponseEntity.ok().header("Content-Type", "message/rfc822").body(messages.raw(user.getSubject(), id));
    }

    @DeleteMapping("/{id}")
    SentMessage recall(@AuthenticationPrincipal Jwt user, @PathVariable UUID id) {
        return messages.recall(user.getSubject(), id);
    }
}
