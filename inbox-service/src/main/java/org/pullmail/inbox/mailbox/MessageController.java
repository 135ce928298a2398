package org.pullmail.inbox.mailbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Pmp;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.MessageBytes;
import org.pullmail.service.PageCursor;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
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

import jakarta.servlet.http.HttpServletResponse;

/** Fetched mail: a list, the parsed view, the exact RFC 5322 bytes, and each attachment. */
@RestController
@RequestMapping("/api/v1/inbox/messages")
class MessageController {

    /** One page of the mailbox, newest first; {@code next} is the cursor of the following page. */
    record Messages(List<StoredMessages.MessageSummary> messages, String next) {
    }

    /**
     * @param notifiedBy     the sender address the signed notification named
     * @param senderVerified the message's From header is in the domain that signed the notification
     * @param textTruncated  text or html is cut at {@value ParsedMessage#MAX_TEXT_CHARS} characters: the whole
     *                       message is at {@code /raw}
     * @param tag            the tag of the address it was sent to ({@code shop} for {@code bob+shop@beta.test})
     */
    record MessageView(UUID id, Instant receivedAt, long size, String from, String notifiedBy, boolean senderVerified,
            List<String> to, List<String> cc, String subject, String messageId, String date, String text, String html,
            List<ParsedMessage.Attachment> attachments, boolean textTruncated, String tag, String policy) {
    }

    /** block: {@code address} or {@code domain} blocks the sender in the same step. */
    record SpamRequest(String block) {
    }

    private final StoredMessages messages;
    private final MessageBytes bytes;
    private final Mailboxes mailboxes;
    private final MessageActions actions;

    MessageController(StoredMessages messages, MessageBytes bytes, Mailboxes mailboxes, MessageActions actions) {
        this.messages = messages;
        this.bytes = bytes;
        this.mailboxes = mailboxes;
        this.actions = actions;
    }

    /** Removes the message from the mailbox; the sender is not told. */
    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@AuthenticationPrincipal Jwt user, @PathVariable UUID id) {
        actions.delete(mailboxes.of(user), id);
        return ResponseEntity.noContent().build();
    }

    /**
     * Reports delivered mail as spam: it leaves the mailbox, the sender's domain is told {@code spam},
     * the sender's reputation here counts it, and {@code block} can block the sender or its domain.
     */
    @PostMapping("/{id}/spam")
    MessageActions.SpamReport reportSpam(@AuthenticationPrincipal Jwt user, @PathVariable UUID id,
            @RequestBody(required = false) SpamRequest request) {
        return actions.reportSpam(mailboxes.of(user), id, request == null ? null : request.block());
    }

    @GetMapping
    Messages list(@AuthenticationPrincipal Jwt user, @RequestParam(defaultValue = "50") int limit,
            @RequestParam(required = false) String cursor) {
        PageCursor after = PageCursor.parse(cursor);
        PageCursor.Page<StoredMessages.MessageSummary> page = messages.list(mailboxes.of(user), limit, after);
        return new Messages(page.entries(), page.next());
    }

    /** The message parsed as it is read from storage: no body is held whole, and text is cut at a size. */
    @GetMapping("/{id}")
    MessageView get(@AuthenticationPrincipal Jwt user, @PathVariable UUID id) throws IOException {
        StoredMessages.Stored stored = messages.stored(mailboxes.of(user), id);
        ParsedMessage parsed;
        try (InputStream in = bytes.reader(id, stored.size())) {
            parsed = ParsedMessage.parse(in);
        }
        boolean verified = parsed.from() != null && parsed.from().contains("@")
                && Addresses.domainOf(parsed.from()).equalsIgnoreCase(Addresses.domainOf(stored.sender()));
        return new MessageView(id, stored.receivedAt(), stored.size(), parsed.from(), stored.sender(),
                verified, parsed.to(), parsed.cc(), parsed.subject(), parsed.messageId(), parsed.date(), parsed.text(),
                parsed.html(), parsed.attachments(), parsed.truncated(), stored.tag(), stored.policy());
    }

    /** The exact bytes as fetched, streamed from storage. */
    @GetMapping("/{id}/raw")
    void raw(@AuthenticationPrincipal Jwt user, @PathVariable UUID id, HttpServletResponse response)
            throws IOException {
        StoredMessages.Stored stored = messages.stored(mailboxes.of(user), id);
        response.setContentType(Pmp.MEDIA_TYPE_MESSAGE);
        response.setContentLengthLong(stored.size());
        try (InputStream in = bytes.reader(id, stored.size())) {
            in.transferTo(response.getOutputStream());
        }
    }

    /** One attachment, decoded as the message is read from storage and streamed out. */
    @GetMapping("/{id}/attachments/{index}")
    void attachment(@AuthenticationPrincipal Jwt user, @PathVariable UUID id, @PathVariable int index,
            HttpServletResponse response) throws IOException {
        StoredMessages.Stored stored = messages.stored(mailboxes.of(user), id);
        boolean found;
        try (InputStream in = bytes.reader(id, stored.size())) {
            found = ParsedMessage.attachment(in, index, (meta, decoded) -> {
                response.setContentType(meta.contentType());
                response.setHeader(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                        .filename(meta.filename() == null ? "attachment-" + index : meta.filename(),
                                StandardCharsets.UTF_8).build().toString());
                decoded.transferTo(response.getOutputStream());
            });
        }
        if (!found) {
            throw ApiProblem.notFound("attachment " + index);
        }
    }
}
