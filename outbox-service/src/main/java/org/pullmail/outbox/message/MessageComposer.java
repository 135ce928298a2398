package org.pullmail.outbox.message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.springframework.stereotype.Component;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

/** Builds the RFC 5322 bytes of a message with Angus Mail: From, To, Cc, Subject, Date, Message-ID, MIME body. */
@Component
class MessageComposer {

    private final Session session = Session.getInstance(new Properties());

    byte[] compose(UUID id, String from, String domain, List<String> to, List<String> cc, String subject,
            String text, String html, Instant date) {
        try {
            MimeMessage message = new MimeMessage(session) {
                @Override
                protected void updateMessageID() throws MessagingException {
                    setHeader("Message-ID", "<" + id + "@" + domain + ">");
                }
            };
            message.setFrom(new InternetAddress(from, true));
            message.setRecipients(Message.RecipientType.TO, addresses(to));
            if (!cc.isEmpty()) {
                message.setRecipients(Message.RecipientType.CC, addresses(cc));
            }
            if (subject != null) {
                message.setSubject(subject, "UTF-8");
            }
            message.setSentDate(Date.from(date));
            String body = text == null ? "" : text;
            if (html == null) {
                message.setText(body, "UTF-8");
            } else {
                MimeMultipart alternative = new MimeMultipart("alternative");
                MimeBodyPart plain = new MimeBodyPart();
                plain.setText(body, "UTF-8");
                MimeBodyPart rich = new MimeBodyPart();
                rich.setText(html, "UTF-8", "html");
                alternative.addBodyPart(plain);
                alternative.addBodyPart(rich);
                message.setContent(alternative);
            }
            message.saveChanges();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            message.writeTo(out);
            return out.toByteArray();
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException("composing message " + id + " failed", e);
        }
    }

    private static InternetAddress[] addresses(List<String> list) throws MessagingException {
        InternetAddress[] out = new InternetAddress[list.size()];
        for (int i = 0; i < list.size(); i++) {
            out[i] = new InternetAddress(list.get(i), true);
        }
        return out;
    }
}
