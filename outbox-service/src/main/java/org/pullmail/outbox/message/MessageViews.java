package org.pullmail.outbox.message;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonAlias;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Size;

/** The user API's bodies for sending and listing mail. */
final class MessageViews {

    private MessageViews() {
    }

    /**
     * {@code POST /api/v1/outbox/messages} as JSON. A reply names what it answers: {@code in_reply_to}, the
     * Message-ID of the message it answers, and {@code references}, that message's References (each id with or
     * without angle brackets); both are optional.
     */
    record SendRequest(@NotEmpty(message = "name at least one recipient in to") List<String> to,
            List<String> cc,
            List<String> bcc,
            @Size(max = 998, message = "a subject is at most 998 characters") String subject,
            String text,
            String html,
            List<@Valid Attachment> attachments,
            @JsonAlias("inReplyTo") String inReplyTo,
            List<String> references) {
    }

    /**
     * A file sent with the message, its bytes in base64. With a {@code content_id} it is an inline part
     * (an image the HTML shows as {@code cid:…}); without, an attachment.
     */
    record Attachment(@NotEmpty(message = "an attachment needs a filename") String filename,
            @JsonAlias("contentType") String contentType,
            @NotEmpty(message = "an attachment needs its content in base64") String content,
            @JsonAlias("contentId") String contentId) {
    }

    /**
     * A recipient's delivery: its state, when it entered each state so far, and why it failed or was
     * declined.
     */
    record RecipientStatus(String address, String status, String detail, Instant queuedAt, Instant notifiedAt,
            Instant fetchedAt, Instant storedAt, Instant declinedAt, Instant failedAt, Instant expiredAt,
            Instant recalledAt) {
    }

    record SentMessage(UUID id, String from, String subject, long size, Instant createdAt, Instant expiresAt,
            Instant recalledAt, boolean contentStored, List<RecipientStatus> recipients) {
    }

    /** One page of the sent list, newest first; {@code next} is the cursor of the following page, null on the last. */
    record SentMessages(List<SentMessage> messages, String next) {
    }
}
