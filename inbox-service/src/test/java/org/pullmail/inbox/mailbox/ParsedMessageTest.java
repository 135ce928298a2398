package org.pullmail.inbox.mailbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;
import org.pullmail.inbox.mailbox.ParsedMessage.Attachment;

class ParsedMessageTest {

    @Test
    void plainTextMessage() throws IOException {
        ParsedMessage parsed = ParsedMessage.parse(message("""
                From: Alice Example <alice@example.org>, bob@example.org
                To: friends: carol@example.org, dave@example.org;, erin@example.org
                Cc: frank@example.org
                Subject: =?UTF-8?Q?H=C3=A9llo?= there
                Message-ID: <abc123@example.org>
                Date: Tue, 1 Jul 2025 10:00:00 +0200
                MIME-Version: 1.0
                Content-Type: text/plain; charset=utf-8

                Hi Bob,
                see you.
                """));

        assertThat(parsed.from()).isEqualTo("alice@example.org");
        assertThat(parsed.to()).containsExactly("carol@example.org", "dave@example.org", "erin@example.org");
        assertThat(parsed.cc()).containsExactly("frank@example.org");
        assertThat(parsed.subject()).isEqualTo("Héllo there");
        assertThat(parsed.messageId()).isEqualTo("<abc123@example.org>");
        assertThat(parsed.date()).isEqualTo("2025-07-01T08:00:00Z");
        assertThat(parsed.text()).isEqualTo("Hi Bob,\r\nsee you.\r\n");
        assertThat(parsed.html()).isNull();
        assertThat(parsed.attachments()).isEmpty();
        assertThat(parsed.truncated()).isFalse();
    }

    @Test
    void alternativeWithTwoAttachments() throws IOException {
        byte[] pdf = bytes(1000, 3);
        byte[] png = bytes(4099, 11);
        byte[] raw = message("""
                From: alice@example.org
                To: bob@example.org
                Subject: report
                MIME-Version: 1.0
                Content-Type: multipart/mixed; boundary="outer"

                --outer
                Content-Type: multipart/alternative; boundary="alt"

                --alt
                Content-Type: text/plain; charset=utf-8
                Content-Transfer-Encoding: quoted-printable

                Caf=C3=A9 report
                --alt
                Content-Type: text/html; charset=utf-8

                <p>Café report</p>
                --alt--

                --outer
                Content-Type: application/pdf; name="report.pdf"
                Content-Disposition: attachment; filename="report.pdf"
                Content-Transfer-Encoding: base64

                %s
                --outer
                Content-Type: image/png
                Content-Disposition: attachment; filename*=UTF-8''%%C3%%A9t%%C3%%A9%%20%%E2%%82%%AC.png
                Content-Transfer-Encoding: base64

                %s
                --outer--
                """.formatted(base64(pdf), base64(png))).readAllBytes();

        ParsedMessage parsed = ParsedMessage.parse(new ByteArrayInputStream(raw));

        assertThat(parsed.text()).isEqualTo("Café report");
        assertThat(parsed.html()).isEqualTo("<p>Café report</p>");
        assertThat(parsed.truncated()).isFalse();
        assertThat(parsed.attachments()).containsExactly(
                new Attachment(0, "report.pdf", "application/pdf", pdf.length),
                new Attachment(1, "été €.png", "image/png", png.length));

        Delivered first = attachment(raw, 0);
        assertThat(first.meta).isEqualTo(new Attachment(0, "report.pdf", "application/pdf", -1));
        assertThat(first.bytes).isEqualTo(pdf);
        Delivered second = attachment(raw, 1);
        assertThat(second.meta).isEqualTo(new Attachment(1, "été €.png", "image/png", -1));
        assertThat(second.bytes).isEqualTo(png);
    }

    @Test
    void nestedMessageIsWalkedInto() throws IOException {
        byte[] zip = bytes(300, 5);
        byte[] raw = message("""
                From: outer@example.org
                Subject: Fwd: inner
                Content-Type: multipart/mixed; boundary=b1

                --b1
                Content-Type: text/plain

                see below
                --b1
                Content-Type: message/rfc822

                From: inner@example.org
                Subject: inner
                Date: Wed, 2 Jul 2025 12:00:00 +0000
                Content-Type: multipart/mixed; boundary=b2

                --b2
                Content-Type: text/html

                <b>inner html</b>
                --b2
                Content-Type: text/plain

                inner text
                --b2
                Content-Type: application/zip
                Content-Disposition: attachment; filename=data.zip
                Content-Transfer-Encoding: base64

                %s
                --b2--
                --b1--
                """.formatted(base64(zip))).readAllBytes();

        ParsedMessage parsed = ParsedMessage.parse(new ByteArrayInputStream(raw));

        assertThat(parsed.from()).isEqualTo("outer@example.org");
        assertThat(parsed.subject()).isEqualTo("Fwd: inner");
        assertThat(parsed.date()).isNull();
        assertThat(parsed.text()).isEqualTo("see below");
        assertThat(parsed.html()).isEqualTo("<b>inner html</b>");
        // the inner text/plain is not the first one: it is listed as an attachment, as before
        assertThat(parsed.attachments()).containsExactly(
                new Attachment(0, null, "text/plain", "inner text".length()),
                new Attachment(1, "data.zip", "application/zip", zip.length));
        assertThat(attachment(raw, 1).bytes).isEqualTo(zip);
    }

    @Test
    void quotedPrintableIso88591() throws IOException {
        ParsedMessage parsed = ParsedMessage.parse(message("""
                Subject: qp
                Content-Type: text/plain; charset=ISO-8859-1
                Content-Transfer-Encoding: quoted-printable

                d=E9j=E0 vu, soft=
                 break
                """));

        assertThat(parsed.text()).isEqualTo("déjà vu, soft break\r\n");
        assertThat(parsed.truncated()).isFalse();
    }

    @Test
    void unknownCharsetIsReadAsUtf8AndMissingCharsetAsAscii() throws IOException {
        ParsedMessage unknown = ParsedMessage.parse(message("""
                Content-Type: text/plain; charset=x-no-such-charset

                héllo"""));
        assertThat(unknown.text()).isEqualTo("héllo");

        ParsedMessage missing = ParsedMessage.parse(message("""
                Content-Type: text/plain

                héllo"""));
        assertThat(missing.text()).isEqualTo("h\uFFFD\uFFFDllo");
    }

    @Test
    void headerOnlyMessage() throws IOException {
        ParsedMessage parsed = ParsedMessage.parse(message("""
                From: alice@example.org
                Subject: nothing else
                """));

        assertThat(parsed.from()).isEqualTo("alice@example.org");
        assertThat(parsed.subject()).isEqualTo("nothing else");
        assertThat(parsed.to()).isEmpty();
        assertThat(parsed.cc()).isEmpty();
        assertThat(parsed.text()).isEmpty();
        assertThat(parsed.html()).isNull();
        assertThat(parsed.attachments()).isEmpty();
        assertThat(parsed.truncated()).isFalse();
    }

    @Test
    void textOverTheCapIsTruncated() throws IOException {
        String line = "0123456789".repeat(9) + "abcdefgh\r\n"; // 100 characters
        String over = line.repeat(ParsedMessage.MAX_TEXT_CHARS / line.length() + 5);
        ParsedMessage parsed = ParsedMessage.parse(message("""
                Content-Type: multipart/alternative; boundary=b

                --b
                Content-Type: text/plain

                %s
                --b
                Content-Type: text/html

                <p>short</p>
                --b--
                """.formatted(over)));

        assertThat(parsed.truncated()).isTrue();
        assertThat(parsed.text()).hasSize(ParsedMessage.MAX_TEXT_CHARS);
        assertThat(over).startsWith(parsed.text());
        assertThat(parsed.html()).isEqualTo("<p>short</p>");
    }

    @Test
    void textOfExactlyTheCapIsNotTruncated() throws IOException {
        String text = "x".repeat(ParsedMessage.MAX_TEXT_CHARS);
        ParsedMessage parsed = ParsedMessage.parse(message("Content-Type: text/html\n\n" + text));

        assertThat(parsed.truncated()).isFalse();
        assertThat(parsed.html()).isEqualTo(text);
    }

    @Test
    void attachmentIndexOutOfRange() throws IOException {
        byte[] raw = message("""
                Content-Type: multipart/mixed; boundary=b

                --b
                Content-Type: text/plain

                hi
                --b
                Content-Type: application/octet-stream

                one
                --b
                Content-Type: application/octet-stream

                two
                --b--
                """).readAllBytes();
        List<Attachment> calls = new ArrayList<>();
        ParsedMessage.AttachmentSink sink = (meta, in) -> calls.add(meta);

        assertThat(ParsedMessage.attachment(new ByteArrayInputStream(raw), -1, sink)).isFalse();
        assertThat(ParsedMessage.attachment(new ByteArrayInputStream(raw), 2, sink)).isFalse();
        assertThat(ParsedMessage.attachment(message("Subject: none\n\nbody"), 0, sink)).isFalse();
        assertThat(calls).isEmpty();
        assertThat(attachment(raw, 1).bytes).isEqualTo("two".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void sinkFailurePropagates() {
        InputStream content = message("""
                Content-Type: application/octet-stream

                data""");

        assertThatThrownBy(() -> ParsedMessage.attachment(content, 0, (meta, in) -> {
            throw new IOException("client went away");
        })).isInstanceOf(IOException.class).hasMessage("client went away");
    }

    /** About 30 MB of attachment, generated while it is read: never in memory, in the test or in the parser. */
    @Test
    void largeMessageIsStreamed() throws IOException {
        long lines = 552_000;
        long size = 57 * lines; // 31,464,000 bytes decoded

        ParsedMessage parsed = ParsedMessage.parse(largeMessage(lines));
        assertThat(parsed.text()).isEqualTo("see attached");
        assertThat(parsed.attachments()).containsExactly(
                new Attachment(0, "small.txt", "text/plain", 5),
                new Attachment(1, "big.bin", "application/octet-stream", size));

        CRC32 expected = new CRC32();
        for (long i = 0; i < lines; i++) {
            expected.update(LINE_BYTES);
        }
        CRC32 actual = new CRC32();
        long[] count = {0};
        boolean found = ParsedMessage.attachment(largeMessage(lines), 1, (meta, in) -> {
            assertThat(meta).isEqualTo(new Attachment(1, "big.bin", "application/octet-stream", -1));
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0;) {
                actual.update(buffer, 0, n);
                count[0] += n;
            }
        });
        assertThat(found).isTrue();
        assertThat(count[0]).isEqualTo(size);
        assertThat(actual.getValue()).isEqualTo(expected.getValue());

        // attachment 0 precedes the big one: the parser stops long before the end of the stream
        CountingInputStream counting = new CountingInputStream(largeMessage(lines));
        assertThat(ParsedMessage.attachment(counting, 0, (meta, in) -> assertThat(in.readAllBytes())
                .isEqualTo("small".getBytes(StandardCharsets.US_ASCII)))).isTrue();
        assertThat(counting.count).isLessThan(1_000_000);
    }

    private static final byte[] LINE_BYTES = bytes(57, 13);

    private static InputStream largeMessage(long lines) {
        byte[] line = (Base64.getEncoder().encodeToString(LINE_BYTES) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        return new SequenceInputStream(Collections.enumeration(List.of(message("""
                Subject: big
                Content-Type: multipart/mixed; boundary=b

                --b
                Content-Type: text/plain

                see attached
                --b
                Content-Type: text/plain
                Content-Disposition: attachment; filename=small.txt

                small
                --b
                Content-Type: application/octet-stream
                Content-Disposition: attachment; filename=big.bin
                Content-Transfer-Encoding: base64

                """), new Repeating(line, lines), message("""
                --b--
                """))));
    }

    private record Delivered(Attachment meta, byte[] bytes) {
    }

    private static Delivered attachment(byte[] raw, int index) throws IOException {
        Attachment[] meta = new Attachment[1];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean found = ParsedMessage.attachment(new ByteArrayInputStream(raw), index, (m, in) -> {
            assertThat(meta[0]).as("sink called once").isNull();
            meta[0] = m;
            in.transferTo(out);
        });
        assertThat(found).isTrue();
        return new Delivered(meta[0], out.toByteArray());
    }

    /** A message written with LF line ends, sent with CRLF as on the wire. */
    private static InputStream message(String text) {
        return new ByteArrayInputStream(text.replace("\r\n", "\n").replace("\n", "\r\n")
                .getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytes(int length, int seed) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = (byte) (i * seed + (i >> 8));
        }
        return out;
    }

    private static String base64(byte[] bytes) {
        return Base64.getMimeEncoder().encodeToString(bytes);
    }

    /** {@code unit} repeated {@code times} times. */
    private static final class Repeating extends InputStream {
        private final byte[] unit;
        private long left;
        private int pos;

        Repeating(byte[] unit, long times) {
            this.unit = unit;
            this.left = times;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (left == 0) {
                return -1;
            }
            int n = Math.min(len, unit.length - pos);
            System.arraycopy(unit, pos, b, off, n);
            pos += n;
            if (pos == unit.length) {
                pos = 0;
                left--;
            }
            return n;
        }
    }

    private static final class CountingInputStream extends InputStream {
        private final InputStream in;
        long count;

        CountingInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
