package org.pullmail.outbox.message;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
 * added in front, as a submission server does (RFC 6409 section 8).
 */
record RawMessage(String from, List<String> to, List<String> cc, List<String> bcc, String subject, byte[] bytes) {

    private static final Session SESSION = Session.getInstance(new Properties());

    static RawMessage parse(byte[] submitted, String messageId, String date) {
        try {
            MimeMessage message = new MimeMessage(SESSION, new ByteArrayInputStream(submitted));
            Address[] from = message.getFrom();
            if (from == null || from.length != 1 || !(from[0] instanceof InternetAddress sender)) {
                throw ApiProblem.invalid("a submitted message needs exactly one From address");
            }
            List<String> to = addresses(message.getRecipients(Message.RecipientType.TO));
            List<String> cc = addresses(message.getRecipients(Message.RecipientType.CC));
            List<String> bcc = addresses(message.getRecipients(Message.RecipientType.BCC));
            byte[] bytes = bcc.isEmpty() ? submitted : withoutBcc(submitted);
            StringBuilder prefix = new StringBuilder();
            if (message.getHeader("Message-ID") == null) {
                prefix.append("Message-ID: ").append(messageId).append("\r\n");
            }
            if (message.getHeader("Date") == null) {
                prefix.append("Date: ").append(date).append("\r\n");
            }
            if (!prefix.isEmpty()) {
                byte[] head = prefix.toString().getBytes(StandardCharsets.US_ASCII);
                byte[] joined = new byte[head.length + bytes.length];
                System.arraycopy(head, 0, joined, 0, head.length);
                System.arraycopy(bytes, 0, joined, head.length, bytes.length);
                bytes = joined;
            }
            return new RawMessage(sender.getAddress(), to, cc, bcc, message.getSubject(), bytes);
        } catch (MessagingException e) {
            throw ApiProblem.invalid("not an RFC 5322 message: " + e.getMessage());
        }
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
