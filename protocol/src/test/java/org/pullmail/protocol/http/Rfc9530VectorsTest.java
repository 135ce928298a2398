package org.pullmail.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;

/** RFC 9530 section 2 / Appendix B: the digests of {"hello": "world"}. */
class Rfc9530VectorsTest {

    static final byte[] BODY = "{\"hello\": \"world\"}".getBytes(StandardCharsets.US_ASCII);

    @Test
    void sha256OfTheRfcBody() {
        assertThat(ContentDigest.sha256(BODY)).isEqualTo("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
    }

    @Test
    void acceptsTheRfcsSha256AndSha512Fields() throws Exception {
        ContentDigest.verify("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", BODY);
        ContentDigest.verify("sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:", BODY);
    }

    @Test
    void refusesAChangedBody() {
        byte[] changed = "{\"hello\": \"World\"}".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> ContentDigest.verify("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", changed))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.type()).isEqualTo(ProblemType.DIGEST_MISMATCH));
    }

    @Test
    void refusesFieldsWithNoKnownAlgorithmOrBadSyntax() {
        for (String field : new String[] {"md5=:AAAA:", "sha-256=X48E9q", "sha-256=:not base64!:", "", "sha-256"}) {
            assertThatThrownBy(() -> ContentDigest.verify(field, BODY)).as(field)
                    .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.type()).isEqualTo(ProblemType.MALFORMED_REQUEST));
        }
    }
}
