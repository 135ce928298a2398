package org.pullmail.outbox.message;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Size;

/** The user API's bodies for sending and listing mail. */
final class MessageViews {

    private MessageViews() {
    }

    /** {@code POST /api/v1/outbox/messages}. */
    record SendRequest(@NotEmpty(message = "name at least one recipient in to") List<String> to,
            List<String> cc,
            @Size(max = 998, message = "a subject is at most 998 characters") String subject,
            String text,
            String html) {
    }

    /** A recipient's delivery: its state, when it entered each state so far, and why it failed or was declined. */
    record RecipientStatus(String address, String status, String detail, Instant queuedAt, Instant notifiedAt,
            Instant fetchedAt, Instant storedAt, Instant declinedAt, Instant failedAt, Instant expiredAt,
            Instant recalledAt) {
    }

    record SentMessage(UUID id, String from, String subject, long size, Instant createdAt, Instant expiresAt,
            Instant recalledAt, List<RecipientStatus> recipients) {
    }

    record SentMessages(List<SentMessage> messages) {
    }
}
