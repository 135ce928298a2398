package org.pullmail.outbox.message;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.pullmail.outbox.OutboxProperties;
import org.pullmail.outbox.delivery.DeliveryState;
import org.pullmail.outbox.message.MessageViews.SendRequest;
import org.pullmail.outbox.message.MessageViews.SentMessage;
import org.pullmail.outbox.message.MessageViews.SentMessages;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.MessageBytes;
import org.pullmail.service.PageCursor;
import org.pullmail.service.PullmailProperties;
import org.springframework.http.HttpStatus;
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
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.Valid;

/**
 * The sender's API: send (JSON with base64 attachments, multipart/form-data with files, or a raw
 * message/rfc822 whose From must be the account), list, look at and recall messages. Each account
 * sees only its own. A reply names what it answers ({@code in_reply_to}, {@code references}; a raw
 * message in its own header fields), and its notifications carry reply hints for it.
 */
@RestController
@RequestMapping("/api/v1/outbox/messages")
class MessageController {

    private static final DateTimeFormatter RFC_5322 = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final MessageService messages;
    private final MessageBytes bytes;
    private final MessageComposer composer;
    private final PullmailProperties pullmail;
    private final OutboxProperties outbox;

    MessageController(MessageService messages, MessageBytes bytes, MessageComposer composer,
            PullmailProperties pullmail, OutboxProperties outbox) {
        this.messages = messages;
        this.bytes = bytes;
        this.composer = composer;
        this.pullmail = pullmail;
        this.outbox = outbox;
    }

    @PostMapping(consumes = "application/json")
    ResponseEntity<SentMessage> send(@AuthenticationPrincipal Jwt user, @Valid @RequestBody SendRequest request) {
        return created(compose(user.getSubject(), request, MessageComposer.decode(request.attachments())));
    }

    @PostMapping(consumes = "multipart/form-data")
    ResponseEntity<SentMessage> sendForm(@AuthenticationPrincipal Jwt user,
            @RequestParam List<String> to,
            @RequestParam(required = false) List<String> cc,
            @RequestParam(required = false) List<String> bcc,
            @RequestParam(required = false) String subject,
            @RequestParam(required = false) String text,
            @RequestParam(required = false) String html,
            @RequestParam(name = "in_reply_to", required = false) String inReplyTo,
            @RequestParam(required = false) List<String> references,
            @RequestPart(name = "attachments", required = false) List<MultipartFile> files) throws IOException {
        if (subject != null && subject.length() > 998) {
            throw ApiProblem.invalid("a subject is at most 998 characters");
        }
        List<MessageComposer.Part> parts = new ArrayList<>();
        for (MultipartFile file : files == null ? List.<MultipartFile>of() : files) {
            if (file.isEmpty() && file.getOriginalFilename() == null) {
                continue;
            }
            // the container keeps an uploaded file on disk: it is read from there as the message is written
            parts.add(new MessageComposer.Part(file.getOriginalFilename() == null ? "attachment" : file.getOriginalFilename(),
                    MessageComposer.contentType(file.getContentType(), file.getOriginalFilename()), file, null));
        }
        return created(compose(user.getSubject(), new SendRequest(to, cc, bcc, subject, text, html, null,
                inReplyTo, references), parts));
    }

    @PostMapping(consumes = "message/rfc822")
    ResponseEntity<SentMessage> sendRaw(@AuthenticationPrincipal Jwt user, HttpServletRequest request)
            throws IOException {
        messages.checkBeforeUpload(user.getSubject(), request.getContentLengthLong());
        UUID id = UUID.randomUUID();
        Instant now = messages.now();
        MessageBytes.Writer writer = bytes.writer(id, outbox.maxMessageBytes());
        RawMessage raw;
        try (InputStream in = request.getInputStream()) {
            raw = RawMessage.read(in, writer, "<" + id + "@" + pullmail.domain() + ">", RFC_5322.format(now));
        } catch (MessageBytes.TooLargeException e) {
            throw tooLarge();
        } catch (IOException | RuntimeException e) {
            writer.discard();
            throw e;
        }
        MessageBytes.Stored content = writer.finish();
        if (!raw.from().equalsIgnoreCase(user.getSubject())) {
            bytes.discard(content);
            throw new ApiProblem("from-not-account", HttpStatus.FORBIDDEN, "From is not this account",
                    "a submitted message's From must be " + user.getSubject() + ", not " + raw.from());
        }
        return created(messages.submit(user.getSubject(), new MessageService.Outgoing(id, raw.messageId(), now,
                raw.to(), raw.cc(), raw.bcc(), raw.subject(), raw.thread(), content)));
    }

    private ApiProblem tooLarge() {
        return new ApiProblem("too-large", HttpStatus.PAYLOAD_TOO_LARGE, "Message too large",
                "the limit is " + outbox.maxMessageBytes() + " bytes");
    }

    private SentMessage compose(String sender, SendRequest request, List<MessageComposer.Part> parts) {
        if (request.to() == null || request.to().isEmpty()) {
            throw ApiProblem.invalid("name at least one recipient in to");
        }
        if (request.subject() != null && request.subject().chars().anyMatch(c -> c == '\r' || c == '\n')) {
            throw ApiProblem.invalid("a subject is one line");
        }
        ThreadReferences thread = ThreadReferences.requested(request.inReplyTo(), request.references());
        messages.checkBeforeUpload(sender, 0);
        UUID id = UUID.randomUUID();
        Instant now = messages.now();
        List<String> to = checked(request.to(), "to");
        List<String> cc = checked(request.cc(), "cc");
        MessageBytes.Writer writer = bytes.writer(id, outbox.maxMessageBytes());
        try {
            composer.compose(id, sender, pullmail.domain(), to, cc, thread, request.subject(), request.text(),
                    request.html(), parts, now, writer);
        } catch (MessageBytes.TooLargeException e) {
            throw tooLarge();
        } catch (IOException e) {
            writer.discard();
            throw new UncheckedIOException("reading an attachment of message " + id + " failed", e);
        } catch (RuntimeException e) {
            writer.discard();
            throw e;
        }
        return messages.submit(sender, new MessageService.Outgoing(id, id + "@" + pullmail.domain(), now, to, cc,
                request.bcc() == null ? List.of() : request.bcc(), request.subject(), thread, writer.finish()));
    }

    /** Addresses must be valid before they go into the message's header fields. */
    private static List<String> checked(List<String> addresses, String field) {
        List<String> out = new ArrayList<>();
        for (String a : addresses == null ? List.<String>of() : addresses) {
            try {
                out.add(Addresses.normalize(a));
            } catch (ProtocolException e) {
                throw ApiProblem.invalid(field + ": " + e.detail());
            }
        }
        return out;
    }

    private static ResponseEntity<SentMessage> created(SentMessage sent) {
        return ResponseEntity.created(URI.create("/api/v1/outbox/messages/" + sent.id())).body(sent);
    }

    @GetMapping
    SentMessages list(@AuthenticationPrincipal Jwt user, @RequestParam(required = false) String state,
            @RequestParam(defaultValue = "50") int limit, @RequestParam(required = false) String cursor) {
        DeliveryState filter = null;
        if (state != null) {
            try {
                filter = DeliveryState.of(state);
            } catch (IllegalArgumentException e) {
                throw ApiProblem.invalid("state must be one of queued, notified, fetched, stored, declined, spam, "
                        + "failed, expired, recalled");
            }
        }
        PageCursor.Page<SentMessage> page = messages.list(user.getSubject(), filter, limit, cursor);
        return new SentMessages(page.entries(), page.next());
    }

    @GetMapping("/{id}")
    SentMessage get(@AuthenticationPrincipal Jwt user, @PathVariable UUID id) {
        return messages.find(user.getSubject(), id);
    }

    /** The sender's copy, streamed from storage chunk by chunk. */
    @GetMapping("/{id}/raw")
    void raw(@AuthenticationPrincipal Jwt user, @PathVariable UUID id, HttpServletResponse response)
            throws IOException {
        long size = messages.storedSize(user.getSubject(), id);
        response.setContentType("message/rfc822");
        response.setContentLengthLong(size);
        try (InputStream in = bytes.reader(id, size)) {
            in.transferTo(response.getOutputStream());
        }
    }

    @DeleteMapping("/{id}")
    SentMessage recall(@AuthenticationPrincipal Jwt user, @PathVariable UUID id) {
        return messages.recall(user.getSubject(), id);
    }
}
