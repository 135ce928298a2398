package org.pullmail.outbox.webhook;

import org.pullmail.outbox.webhook.WebhookRegistration.RegisteredWebhook;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** An account's delivery webhook: where each change of its deliveries' states is posted, signed. */
@RestController
class WebhookController {

    record WebhookRequest(String url) {
    }

    private final WebhookRegistration webhooks;

    WebhookController(WebhookRegistration webhooks) {
        this.webhooks = webhooks;
    }

    @PutMapping("/api/v1/outbox/webhook")
    RegisteredWebhook register(@AuthenticationPrincipal Jwt user, @RequestBody WebhookRequest request) {
        return webhooks.register(user.getSubject(), request.url());
    }

    @DeleteMapping("/api/v1/outbox/webhook")
    ResponseEntity<Void> remove(@AuthenticationPrincipal Jwt user) {
        webhooks.remove(user.getSubject());
        return ResponseEntity.noContent().build();
    }
}
