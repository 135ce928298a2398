package org.pullmail.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.StructuredFields.InnerList;
import org.pullmail.protocol.http.StructuredFields.Item;

class StructuredFieldsTest {

    @Test
    void parsesASignatureInputDictionary() throws Exception {
        var dict = StructuredFields.parseDictionary(
                "pmp=(\"@method\" \"@target-uri\");created=1618884473;keyid=\"k1\";alg=\"ed25519\", other=?0");
        InnerList pmp = (InnerList) dict.get("pmp");
        assertThat(pmp.items()).extracting(Item::value).containsExactly("@method", "@target-uri");
        assertThat(pmp.params()).containsEntry("created", 1618884473L).containsEntry("keyid", "k1");
        assertThat(((Item) dict.get("other")).value()).isEqualTo(false);
        assertThat(StructuredFields.serialize(pmp))
                .isEqualTo("(\"@method\" \"@target-uri\");created=1618884473;keyid=\"k1\";alg=\"ed25519\"");
    }

    @Test
    void parsesByteSequencesTokensDecimalsAndEscapes() throws Exception {
        var dict = StructuredFields.parseDictionary("a=:AQID:, b=tok/en, c=1.5, d=\"q\\\"x\", e");
        assertThat((byte[]) ((Item) dict.get("a")).value()).containsExactly(1, 2, 3);
        assertThat(((Item) dict.get("b")).value()).isEqualTo(new StructuredFields.Token("tok/en"));
        assertThat(((Item) dict.get("c")).value()).hasToString("1.5");
        assertThat(((Item) dict.get("d")).value()).isEqualTo("q\"x");
        assertThat(((Item) dict.get("e")).value()).isEqualTo(true);
    }

    @Test
    void refusesMalformedFieldsWithAProtocolError() {
        String[] malformed = {"=", "Upper=1", "a=", "a=(", "a=(\"x\"", "a=\"unterminated", "a=:bad base64!:",
                "a=1,", "a=1 b=2", "a=?2", "a=\"\\n\"", "a=1.2345", "a=12345678901234567", "a=(\"x\"\"y\")",
                "a=\"é\"", "a=:AQID", "a=1;", "a=1;B=2", "a=-", "a=1.", "a=@x"};
        for (String field : malformed) {
            assertThatThrownBy(() -> StructuredFields.parseDictionary(field)).as(field)
                    .isInstanceOfSatisfying(ProtocolException.class,
                            e -> assertThat(e.type()).isEqualTo(ProblemType.SIGNATURE_MALFORMED));
        }
    }

    @Test
    void randomInputNeverRaisesAnUncheckedException() {
        Random random = new Random(9421);
        String alphabet = "abz09=();,\"\\:?*-. \t@/+é";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder field = new StringBuilder();
            int length = random.nextInt(24);
            for (int j = 0; j < length; j++) {
                field.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            try {
                StructuredFields.parseDictionary(field.toString());
            } catch (ProtocolException expected) {
                // refusing is fine; anything else escapes and fails the test
            }
        }
    }
}
