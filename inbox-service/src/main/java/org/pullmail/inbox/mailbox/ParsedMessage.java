package org.pullmail.inbox.mailbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;

import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.MimeIOException;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.dom.FieldParser;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.dom.address.MailboxList;
import org.apache.james.mime4j.dom.field.AddressListField;
import org.apache.james.mime4j.dom.field.DateTimeField;
import org.apache.james.mime4j.dom.field.MailboxListField;
import org.apache.james.mime4j.dom.field.ParsedField;
import org.apache.james.mime4j.dom.field.UnstructuredField;
import org.apache.james.mime4j.field.LenientFieldParser;
import org.apache.james.mime4j.message.DefaultBodyDescriptorBuilder;
import org.apache.james.mime4j.message.MaximalBodyDescriptor;
import org.apache.james.mime4j.parser.AbstractContentHandler;
import org.apache.james.mime4j.parser.MimeStreamParser;
import org.apache.james.mime4j.stream.BodyDescriptor;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;

/**
 * A stored message parsed with mime4j into what a mail client shows.
 *
 * <p>The message is read as a stream with mime4j's {@link MimeStreamParser}; no body is held in memory. The first
 * text/plain and the first text/html part that are not attachments are decoded (transfer encoding and charset) and
 * kept up to {@link #MAX_TEXT_CHARS} characters each; {@code truncated} says whether either was cut (the whole message
 * stays available raw). Every other leaf part is an attachment, listed with its decoded size, which is counted by
 * streaming the part to a null sink. Nested message/rfc822 parts are walked into.
 *
 * <p>Streams: neither method closes {@code content}; the caller owns it and must close it. {@link #parse} reads the
 * stream to its end; {@link #attachment} stops reading right after the requested attachment has been handed to the
 * sink, so the rest of the stream may be left unread.
 */
record ParsedMessage(String from, List<String> to, List<String> cc, String subject, String messageId, String date,
        String text, String html, List<Attachment> attachments, boolean truncated) {

    /** Most characters kept of the text and of the html part each. */
    static final int MAX_TEXT_CHARS = 1_000_000;

    /**
     * One attachment: its position among the message's attachments, its filename (from Content-Disposition, RFC 2231
     * and RFC 2047 decoded; may be null), its mime type and its decoded size in bytes ({@code -1} when not known, as in
     * {@link #attachment}).
     */
    record Attachment(int index, String filename, String contentType, long size) {
    }

    /** Receives one attachment from {@link ParsedMessage#attachment}. */
    @FunctionalInterface
    interface AttachmentSink {
        /**
         * Called once with the attachment's metadata and its body, decoded from its transfer encoding. The size in
         * {@code meta} is {@code -1}: it is not known before the body has been read. {@code decoded} is only valid
         * during this call; it need not be read to the end, nor closed.
         */
        void write(Attachment meta, InputStream decoded) throws IOException;
    }

    static ParsedMessage parse(InputStream content) throws IOException {
        Walker walker = new Walker(-1, null);
        walker.run(content);
        return new ParsedMessage(walker.from, walker.to, walker.cc, walker.subject, walker.messageId, walker.date,
                walker.text, walker.html, List.copyOf(walker.attachments), walker.truncated);
    }

    /**
     * Streams attachment {@code index} (numbered as in {@link #parse}) to {@code sink} and stops reading.
     *
     * @return false, without calling the sink, when the message has no attachment {@code index}
     */
    static boolean attachment(InputStream content, int index, AttachmentSink sink) throws IOException {
        Objects.requireNonNull(sink, "sink");
        if (index < 0) {
            return false;
        }
        Walker walker = new Walker(index, sink);
        walker.run(content);
        return walker.delivered;
    }

    /** Thrown from the handler to end parsing once the wanted attachment has been delivered. */
    private static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    private static final class Walker extends AbstractContentHandler {
        private static final FieldParser<ParsedField> FIELD_PARSER = LenientFieldParser.getParser();

        /** The attachment to hand to {@link #sink}, or -1 to collect everything for {@link #parse}. */
        private final int wanted;
        private final AttachmentSink sink;

        private boolean headerDone;
        private ParsedField fromField;
        private ParsedField toField;
        private ParsedField ccField;
        private ParsedField subjectField;
        private ParsedField messageIdField;
        private ParsedField dateField;

        private boolean seenText;
        private boolean seenHtml;
        private int nextIndex;

        String from;
        List<String> to = List.of();
        List<String> cc = List.of();
        String subject;
        String messageId;
        String date;
        String text;
        String html;
        boolean truncated;
        final List<Attachment> attachments = new ArrayList<>();
        boolean delivered;

        Walker(int wanted, AttachmentSink sink) {
            this.wanted = wanted;
            this.sink = sink;
        }

        void run(InputStream content) throws IOException {
            // What DefaultMessageBuilder does with MimeConfig.PERMISSIVE: silent monitor, lenient field parser.
            DecodeMonitor monitor = DecodeMonitor.SILENT;
            MimeStreamParser parser = new MimeStreamParser(MimeConfig.PERMISSIVE, monitor,
                    new DefaultBodyDescriptorBuilder(null, FIELD_PARSER, monitor));
            parser.setContentHandler(this);
            parser.setContentDecoding(true);
            parser.setRecurse();
            try {
                parser.parse(content);
            } catch (Stop stop) {
                // the wanted attachment has been delivered
            } catch (MimeException e) {
                throw new MimeIOException(e);
            }
            if (sink == null) {
                readHeader();
            }
        }

        /** Keeps the first of each wanted field of the top-level header (as {@code Header.getField} would). */
        @Override
        public void field(Field field) {
            if (headerDone || sink != null) {
                return;
            }
            ParsedField parsed = field instanceof ParsedField p ? p : FIELD_PARSER.parse(field, DecodeMonitor.SILENT);
            switch (parsed.getNameLowerCase()) {
                case "from" -> fromField = first(fromField, parsed);
                case "to" -> toField = first(toField, parsed);
                case "cc" -> ccField = first(ccField, parsed);
                case "subject" -> subjectField = first(subjectField, parsed);
                case "message-id" -> messageIdField = first(messageIdField, parsed);
                case "date" -> dateField = first(dateField, parsed);
                default -> {
                }
            }
        }

        private static ParsedField first(ParsedField kept, ParsedField next) {
            return kept != null ? kept : next;
        }

        @Override
        public void endHeader() {
            // the first header to end is the top-level message's; later ones belong to parts and nested messages
            headerDone = true;
        }

        private void readHeader() {
            if (fromField instanceof MailboxListField f) {
                MailboxList list = f.getMailboxList();
                from = list == null || list.isEmpty() ? null : list.get(0).getAddress();
            }
            to = addresses(toField);
            cc = addresses(ccField);
            if (subjectField instanceof UnstructuredField f) {
                subject = f.getValue();
            }
            if (messageIdField != null) {
                messageId = messageIdField.getBody();
            }
            if (dateField instanceof DateTimeField f) {
                Date parsed = f.getDate();
                date = parsed == null ? null : parsed.toInstant().toString();
            }
        }

        private static List<String> addresses(ParsedField field) {
            List<String> out = new ArrayList<>();
            if (field instanceof AddressListField f) {
                AddressList list = f.getAddressList();
                if (list != null) {
                    for (Mailbox m : list.flatten()) {
                        out.add(m.getAddress());
                    }
                }
            }
            return out;
        }

        /** A leaf part; {@code in} is decoded from its transfer encoding (content decoding is on). */
        @Override
        public void body(BodyDescriptor bd, InputStream in) throws IOException {
            String mimeType = bd.getMimeType();
            String filename = null;
            String disposition = null;
            if (bd instanceof MaximalBodyDescriptor maximal) {
                filename = maximal.getContentDispositionFilename();
                disposition = maximal.getContentDispositionType();
            }
            boolean attachment = filename != null || "attachment".equalsIgnoreCase(disposition);
            if (!attachment && !seenText && "text/plain".equalsIgnoreCase(mimeType)) {
                seenText = true;
                if (sink == null) {
                    text = readText(in, bd.getCharset());
                }
                return;
            }
            if (!attachment && !seenHtml && "text/html".equalsIgnoreCase(mimeType)) {
                seenHtml = true;
                if (sink == null) {
                    html = readText(in, bd.getCharset());
                }
                return;
            }
            int index = nextIndex++;
            if (sink == null) {
                long size = in.transferTo(OutputStream.nullOutputStream());
                attachments.add(new Attachment(index, filename, mimeType, size));
            } else if (index == wanted) {
                sink.write(new Attachment(index, filename, mimeType, -1), in);
                delivered = true;
                throw new Stop();
            }
        }

        /** Decodes up to {@link #MAX_TEXT_CHARS} characters, setting {@link #truncated} if there were more. */
        private String readText(InputStream in, String charset) throws IOException {
            Reader reader = new InputStreamReader(in, charset(charset));
            StringBuilder out = new StringBuilder();
            char[] buffer = new char[8192];
            while (out.length() < MAX_TEXT_CHARS) {
                int n = reader.read(buffer, 0, Math.min(buffer.length, MAX_TEXT_CHARS - out.length()));
                if (n < 0) {
                    return out.toString();
                }
                out.append(buffer, 0, n);
            }
            if (reader.read() >= 0) {
                truncated = true;
                if (Character.isHighSurrogate(out.charAt(out.length() - 1))) {
                    out.setLength(out.length() - 1); // do not end on half a surrogate pair
                }
            }
            return out.toString();
        }

        /** The part's charset: missing → US-ASCII, unknown → UTF-8. */
        private static Charset charset(String name) {
            if (name == null || name.isBlank()) {
                return StandardCharsets.US_ASCII;
            }
            try {
                return Charset.forName(name.trim());
            } catch (IllegalArgumentException e) {
                return StandardCharsets.UTF_8;
            }
        }
    }
}
