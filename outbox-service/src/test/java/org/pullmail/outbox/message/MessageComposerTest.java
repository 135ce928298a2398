package org.pullmail.outbox.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The text of a composed message comes back unchanged, in the transfer encoding that suits it. */
class MessageComposerTest {

    @ParameterizedTest
    @CsvSource({
            "short lines of ASCII, 7bit",
            "a line of 1000 characters, quoted-printable",
            "mostly ASCII with a few accents: café crème, quoted-printable",
            "mostly not ASCII, base64"})
    void textRoundTripsInTheEncodingThatSuitsIt(String kind, String encoding) throws Exception {
        String text = switch (kind) {
            case "short lines of ASCII" -> "Hello Bob,\r\nsee you at noon.\r\n";
            case "a line of 1000 characters" -> "x".repeat(1000);
            case "mostly not ASCII" -> "郵便はお客様が決めます。".repeat(20);
            default -> kind;
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new MessageComposer().compose(UUID.randomUUID(), "alice@alpha.test", "alpha.test",
                List.of("bob@beta.test"), List.of(), ThreadReferences.NONE, "Hi", text, null, List.of(), Instant.parse("2026-11-27T00:00:00Z"),
                out);
        byte[] bytes = out.toByteArray();

        MimeMessage parsed = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));
        assertThat(parsed.getEncoding()).isEqualTo(encoding);
        assertThat(parsed.getContent()).isEqualTo(text);
        assertThat(new String(bytes, StandardCharsets.US_ASCII).lines())
                .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(998));
    }
}
