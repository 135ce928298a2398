package org.pullmail.inbox.correspondent;

import java.time.Instant;
import java.util.List;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** Internal to the domain: the outbox reports each message a mailbox sent, so that its answers get in at once. */
@RestController
class SentMailController {

    /**
     * @param messageId      the message's Message-ID, bare (angle brackets are taken off if sent)
     * @param correspondents whom it went to in To and Cc (never Bcc: a blind copy is not an exchange)
     * @param sentAt         when it was sent: correspondents are learned for a time from then
     */
    record SentReport(@NotBlank @Size(max = 998) String messageId,
            @NotNull @Size(max = 1000) List<@NotBlank @Size(max = 320) String> correspondents,
            @NotNull Instant sentAt) {
    }

    private final SentMail sent;

    SentMailController(SentMail sent) {
        this.sent = sent;
    }

    /** 204; the same message_id again changes nothing; 404 for a mailbox this domain does not have. */
    @PostMapping("/internal/v1/mailboxes/{address}/sent")
    ResponseEntity<Void> sent(@PathVariable String address, @RequestBody @Valid SentReport report) {
        sent.sent(address, report.messageId(), report.correspondents(), report.sentAt());
        return ResponseEntity.noContent().build();
    }
}
