package org.pullmail.outbox.message;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import org.pullmail.service.ApiProblem;

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * A message submitted as {@code message/rfc822}. Its bytes are stored as they came, except that a
 * Bcc header is removed (every recipient fetches the same bytes) and a missing Message-ID or Date is
 * added in front, as a submission server does (RFC 6409 section 8). Only the header section is read
 * into memory (at most {@link #MAX_HEADER_BYTES}); the body streams on into the message's storage.
 */
record RawMessage(String from, List<String> to, List<String> cc, List<String> bcc, String subject, String messageId,
        ThreadReferences thread) {

    /** The most a header section may take: Postfix's header_size_limit is 100 KiB, this is ten times that. */
    static final int MAX_HEADER_BYTES = 1024 * 1024;

    private static final Session SESSION = Session.getInstance(new Properties());

    /**
     * Reads the submitted message from {@code in} and writes what is to be stored to {@code out}: the header
     * section is parsed here (From, To, Cc, Bcc, Subject, Message-ID, In-Reply-To, References), the body is
     * copied without being looked at. {@code messageId} is the one added when the message has none.
     */
    static RawMessage read(InputStream in, OutputStream out, String messageId, String date) throws IOException {
        byte[] head = new byte[8192];
        int length = 0;
        int end;
        while ((end = headerEnd(head, length)) < 0) {
            if (length == head.length) {
                if (head.length >= MAX_HEADER_BYTES) {
                    throw ApiProblem.invalid("the header section is larger than " + MAX_HEADER_BYTES + " bytes");
                }
                head = Arrays.copyOf(head, Math.min(MAX_HEADER_BYTES, head.length * 2));
            }
            int n = in.read(head, length, head.length - length);
            if (n < 0) {
                end = length; // a message of header fields only
                break;
            }
            length += n;
        }
        byte[] header = Arrays.copyOf(head, end);
        MimeMessage fields = fields(header);
        RawMessage parsed = parse(fields, messageId);
        StringBuilder prefix = new StringBuilder();
        try {
            if (fields.getHeader("Message-ID") == null) {
                prefix.append("Message-ID: ").append(messageId).append("\r\n");
            }
            if (fields.getHeader("Date") == null) {
                prefix.append("Date: ").append(date).append("\r\n");
            }
        } catch (MessagingException e) {
            throw ApiProblem.invalid("not an RFC 5322 message: " + e.getMessage());
        }
        out.write(prefix.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(parsed.bcc().isEmpty() ? header : withoutBcc(header));
        out.write(head, end, length - end);
        in.transferTo(out);
        return parsed;
    }

    private static RawMessage parse(MimeMessage message, String addedMessageId) {
        try {
            Address[] from = message.getFrom();
            if (from == null || from.length != 1 || !(from[0] instanceof InternetAddress sender)) {
                throw ApiProblem.invalid("a submitted message needs exactly one From address");
            }
            String messageId = message.getHeader("Message-ID", null);
            return new RawMessage(sender.getAddress(), addresses(message.getRecipients(Message.RecipientType.TO)),
                    addresses(message.getRecipients(Message.RecipientType.CC)),
                    addresses(message.getRecipients(Message.RecipientType.BCC)), message.getSubject(),
                    ThreadReferences.bareMessageId(messageId == null ? addedMessageId : messageId),
                    ThreadReferences.fromHeaders(message.getHeader("In-Reply-To", " "),
                            message.getHeader("References", " ")));
        } catch (MessagingException e) {
            throw ApiProblem.invalid("not an RFC 5322 message: " + e.getMessage());
        }
    }

    /** The header section alone, parsed as Jakarta Mail parses a whole message's. */
    private static MimeMessage fields(byte[] header) {
        try {
            return new MimeMessage(SESSION, new ByteArrayInputStream(header));
        } catch (MessagingException e) {
            throw ApiProblem.invalid("not an RFC 5322 message: " + e.getMessage());
        }
    }

    /** Where the body begins: the index after the first empty line, or -1 when it has not been read yet. */
    static int headerEnd(byte[] bytes, int length) {
        int lineStart = 0;
        for (int i = 0; i < length; i++) {
            if (bytes[i] == '\n') {
                int lineLength = i - lineStart - (i > lineStart && bytes[i - 1] == '\r' ? 1 : 0);
                if (lineLength == 0) {
                    return i + 1;
                }
                lineStart = i + 1;
            }
        }
        return -1;
    }

    /** The bytes without the Bcc field (and its folded continuation lines); everything else untouched. */
    static byte[] withoutBcc(byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length);
        int i = 0;
        boolean skipping = false;
        while (i < message.length) {
            int end = i;
            while (end < message.length && message[end] != '\n') {
                end++;
            }
            int next = Math.min(end + 1, message.length);
            int length = end - i - (end > i && message[end - 1] == '\r' ? 1 : 0);
            if (length == 0) {
                out.write(message, i, message.length - i); // the blank line and the body
                return out.toByteArray();
            }
            boolean continuation = message[i] == ' ' || message[i] == '\t';
            if (!continuation) {
                skipping = length >= 4 && new String(message, i, 4, StandardCharsets.US_ASCII).equalsIgnoreCase("bcc:");
            }
            if (!skipping) {
                out.write(message, i, next - i);
            }
            i = next;
        }
        return out.toByteArray();
    }

    private static List<String> addresses(Address[] list) {
        List<String> out = new ArrayList<>();
        if (list != null) {
            for (Address a : list) {
                if (a instanceof InternetAddress ia) {
                    out.add(ia.getAddress());
                }
            }
        }
        return out;
    }
}
