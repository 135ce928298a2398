package org.pullmail.outbox.message;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.pullmail.service.ApiProblem;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.InputStreamSource;
import org.springframework.stereotype.Component;

import jakarta.activation.DataHandler;
import jakarta.activation.DataSource;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimePart;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.ParseException;
import jakarta.mail.util.ByteArrayDataSource;

/**
 * Builds the RFC 5322 bytes of a message with Angus Mail: From, To, Cc, Subject (RFC 2047 encoded
 * when it is not ASCII), Date, Message-ID, a reply's In-Reply-To and References, and the MIME structure:
 * text and HTML as alternatives, inline images related to the HTML, attachments mixed in. Bcc recipients
 * never appear in the bytes.
 */
@Component
class MessageComposer {

    /** A file to attach, already decoded: read when the message is written, so an uploaded file is streamed. */
    record Part(String filename, String contentType, InputStreamSource content, String contentId) {
    }

    private final Session session;

    MessageComposer() {
        Properties properties = new Properties();
        properties.setProperty("mail.mime.encodefilename", "true");
        properties.setProperty("mail.mime.encodeparameters", "true");
        this.session = Session.getInstance(properties);
    }

    /** Writes the message to {@code out}; a {@link java.io.IOException} is {@code out}'s (too large, say). */
    void compose(UUID id, String from, String domain, List<String> to, List<String> cc, ThreadReferences thread,
            String subject, String text, String html, List<Part> parts, Instant date, OutputStream out)
            throws IOException {
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
            if (thread.inReplyTo() != null) {
                message.setHeader("In-Reply-To", MimeUtility.fold("In-Reply-To: ".length(), thread.inReplyTo()));
            }
            if (thread.references() != null) {
                // a long thread's ids are folded between ids, so that no line passes 78 characters where it can
                message.setHeader("References", MimeUtility.fold("References: ".length(), thread.references()));
            }
            List<Part> inline = parts.stream().filter(p -> p.contentId() != null).toList();
            List<Part> attached = parts.stream().filter(p -> p.contentId() == null).toList();

            MimePart body = attached.isEmpty() ? message : new MimeBodyPart();
            fillBody(body, text == null ? "" : text, html, inline);
            if (!attached.isEmpty()) {
                MimeMultipart mixed = new MimeMultipart("mixed");
                mixed.addBodyPart((MimeBodyPart) body);
                for (Part part : attached) {
                    mixed.addBodyPart(filePart(part, MimeBodyPart.ATTACHMENT));
                }
                message.setContent(mixed);
            }
            message.saveChanges();
            message.writeTo(out);
        } catch (MessagingException e) {
            throw new IllegalStateException("composing message " + id + " failed", e);
        }
    }

    /** text alone; or text and HTML as alternatives; with inline parts, the HTML is related to them. */
    private void fillBody(MimePart target, String text, String html, List<Part> inline) throws MessagingException {
        if (html == null && inline.isEmpty()) {
            setText(target, text, "plain");
            return;
        }
        MimeMultipart alternative = new MimeMultipart("alternative");
        MimeBodyPart plain = new MimeBodyPart();
        setText(plain, text, "plain");
        alternative.addBodyPart(plain);
        MimeBodyPart rich = new MimeBodyPart();
        setText(rich, html == null ? "" : html, "html");
        if (inline.isEmpty()) {
            alternative.addBodyPart(rich);
        } else {
            MimeMultipart related = new MimeMultipart("related");
            related.addBodyPart(rich);
            for (Part part : inline) {
                MimeBodyPart image = filePart(part, MimeBodyPart.INLINE);
                image.setContentID("<" + part.contentId() + ">");
                related.addBodyPart(image);
            }
            MimeBodyPart relatedPart = new MimeBodyPart();
            relatedPart.setContent(related);
            alternative.addBodyPart(relatedPart);
        }
        target.setContent(alternative);
    }

    /**
     * Text in UTF-8 with its transfer encoding chosen from the bytes in one counting pass: left to choose
     * while saving, Jakarta Mail writes the whole text through its encoder once to choose and again to send.
     */
    private static void setText(MimePart part, String text, String subtype) throws MessagingException {
        part.setText(text, "UTF-8", subtype);
        part.setHeader("Content-Transfer-Encoding", transferEncoding(text, subtype));
    }

    /** 7bit, quoted-printable or base64, by Jakarta Mail's own rule for text (MimeUtility.getEncoding). */
    static String transferEncoding(String text, String subtype) {
        return MimeUtility.getEncoding(new ByteArrayDataSource(text.getBytes(StandardCharsets.UTF_8),
                "text/" + subtype + "; charset=UTF-8"));
    }

    private static MimeBodyPart filePart(Part part, String disposition) throws MessagingException {
        MimeBodyPart file = new MimeBodyPart();
        file.setDataHandler(new DataHandler(new DataSource() {
            @Override
            public InputStream getInputStream() throws IOException {
                return part.content().getInputStream();
            }

            @Override
            public OutputStream getOutputStream() throws IOException {
                throw new IOException("an attachment is read only");
            }

            @Override
            public String getContentType() {
                return part.contentType();
            }

            @Override
            public String getName() {
                return part.filename();
            }
        }));
        file.setFileName(part.filename());
        file.setDisposition(disposition);
        file.setHeader("Content-Transfer-Encoding", "base64");
        return file;
    }

    /** Decodes the JSON attachments, refusing bad base64 or content types with a 400. */
    static List<Part> decode(List<MessageViews.Attachment> attachments) {
        List<Part> parts = new ArrayList<>();
        if (attachments == null) {
            return parts;
        }
        for (MessageViews.Attachment a : attachments) {
            byte[] content;
            try {
                content = Base64.getDecoder().decode(a.content().replaceAll("\\s", ""));
            } catch (IllegalArgumentException e) {
                throw ApiProblem.invalid("attachment " + a.filename() + ": content is not base64");
            }
            parts.add(new Part(a.filename(), contentType(a.contentType(), a.filename()), new ByteArrayResource(content),
                    a.contentId() == null || a.contentId().isBlank() ? null : a.contentId().replaceAll("^<|>$", "")));
        }
        return parts;
    }

    static String contentType(String given, String filename) {
        String type = given == null || given.isBlank() ? "application/octet-stream" : given.trim();
        try {
            new ContentType(type);
        } catch (ParseException e) {
            throw ApiProblem.invalid("attachment " + filename + ": not a content type: " + type);
        }
        return type;
    }

    private static InternetAddress[] addresses(List<String> list) throws MessagingException {
        InternetAddress[] out = new InternetAddress[list.size()];
        for (int i = 0; i < list.size(); i++) {
            out[i] = new InternetAddress(list.get(i), true);
        }
        return out;
    }
}
