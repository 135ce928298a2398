package org.pullmail.inbox.mailbox;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.TextBody;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.dom.address.MailboxList;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.MimeConfig;

/** A stored message parsed with mime4j into what a mail client shows. */
record ParsedMessage(String from, List<String> to, List<String> cc, String subject, String messageId, String date,
        String text, String html, List<Attachment> attachments) {

    record Attachment(int index, String filename, String contentType, long size) {
    }

    static ParsedMessage parse(byte[] content) throws IOException {
        DefaultMessageBuilder builder = new DefaultMessageBuilder();
        builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
        Message message = builder.parseMessage(new ByteArrayInputStream(content));
        Collector collector = new Collector();
        collector.walk(message);
        return new ParsedMessage(first(message.getFrom()), addresses(message.getTo()), addresses(message.getCc()),
                message.getSubject(), message.getMessageId(),
                message.getDate() == null ? null : message.getDate().toInstant().toString(),
                collector.text, collector.html, collector.attachments);
    }

    /** The bytes of attachment {@code index}, decoded from its transfer encoding. */
    static byte[] attachment(byte[] content, int index) throws IOException {
        DefaultMessageBuilder builder = new DefaultMessageBuilder();
        builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
        Collector collector = new Collector();
        collector.walk(builder.parseMessage(new ByteArrayInputStream(content)));
        if (index < 0 || index >= collector.bodies.size()) {
            return null;
        }
        try (InputStream in = collector.bodies.get(index).getInputStream()) {
            return in.readAllBytes();
        }
    }

    private static final class Collector {
        String text;
        String html;
        final List<Attachment> attachments = new ArrayList<>();
        final List<SingleBody> bodies = new ArrayList<>();

        void walk(Entity entity) throws IOException {
            Body body = entity.getBody();
            if (body instanceof Multipart multipart) {
                for (Entity part : multipart.getBodyParts()) {
                    walk(part);
                }
                return;
            }
            if (body instanceof Message nested) {
                walk(nested);
                return;
            }
            boolean attachment = entity.getFilename() != null || "attachment".equalsIgnoreCase(entity.getDispositionType());
            if (!attachment && body instanceof TextBody textBody && "text/plain".equalsIgnoreCase(entity.getMimeType())
                    && text == null) {
                text = read(textBody, entity.getCharset());
            } else if (!attachment && body instanceof TextBody textBody
                    && "text/html".equalsIgnoreCase(entity.getMimeType()) && html == null) {
                html = read(textBody, entity.getCharset());
            } else if (body instanceof SingleBody single) {
                long size;
                try (InputStream in = single.getInputStream()) {
                    size = in.transferTo(java.io.OutputStream.nullOutputStream());
                }
                attachments.add(new Attachment(attachments.size(), entity.getFilename(), entity.getMimeType(), size));
                bodies.add(single);
            }
        }

        private static String read(TextBody body, String charset) throws IOException {
            Charset cs;
            try {
                cs = charset == null ? StandardCharsets.US_ASCII : Charset.forName(charset);
            } catch (IllegalArgumentException e) {
                cs = StandardCharsets.UTF_8;
            }
            try (InputStream in = body.getInputStream()) {
                return new String(in.readAllBytes(), cs);
            }
        }
    }

    private static String first(MailboxList list) {
        return list == null || list.isEmpty() ? null : list.get(0).getAddress();
    }

    private static List<String> addresses(AddressList list) {
        List<String> out = new ArrayList<>();
        if (list != null) {
            for (Mailbox m : list.flatten()) {
                out.add(m.getAddress());
            }
        }
        return out;
    }
}
