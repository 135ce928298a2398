package org.pullmail.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.jwk.OctetKeyPair;

import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;

/** RFC 9421 Appendix B.2.6: signing the test request with test-key-ed25519 (Appendix B.1.4). */
class Rfc9421VectorsTest {

    static final String TEST_KEY_ED25519 = """
            {"kty":"OKP","crv":"Ed25519","kid":"test-key-ed25519",
             "d":"n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU",
             "x":"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"}""";

    /** The test-request of RFC 9421 Appendix B.2. */
    static HttpRequestView testRequest() {
        return new HttpRequestView("POST", URI.create("https://example.com/foo?param=Value&Pet=dog"))
                .header("Host", "example.com")
                .header("Date", "Tue, 20 Apr 2021 02:07:55 GMT")
                .header("Content-Type", "application/json")
                .header("Content-Digest", "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:")
                .header("Content-Length", "18");
    }

    static StructuredFields.InnerList b26Coverage() {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("created", 1618884473L);
        params.put("keyid", "test-key-ed25519");
        return HttpSignatures.coverage(
                List.of("date", "@method", "@path", "@authority", "content-type", "content-length"), params);
    }

    @Test
    void signatureBaseOfB26IsExactlyTheRfcs() throws Exception {
        String expected = """
                "date": Tue, 20 Apr 2021 02:07:55 GMT
                "@method": POST
                "@path": /foo
                "@authority": example.com
                "content-type": application/json
                "content-length": 18
                "@signature-params": ("date" "@method" "@path" "@authority" \
                "content-type" "content-length");created=1618884473\
                ;keyid="test-key-ed25519\"""";
        assertThat(HttpSignatures.signatureBase(testRequest(), b26Coverage())).isEqualTo(expected);
    }

    @Test
    void signatureOfB26IsExactlyTheRfcs() throws Exception {
        OctetKeyPair key = Ed25519Keys.parse(TEST_KEY_ED25519);
        var fields = HttpSignatures.sign(testRequest(), "sig-b26", b26Coverage(), Ed25519Keys.privateKey(key));

        assertThat(fields.signatureInput()).isEqualTo("sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" "
                + "\"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"");
        assertThat(fields.signature()).isEqualTo("sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1"
                + "u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:");
    }

    @Test
    void rfcSignatureVerifiesWithThePublicKeyAndFailsOnAnyChange() throws Exception {
        OctetKeyPair key = Ed25519Keys.parse(TEST_KEY_ED25519);
        var publicKey = Ed25519Keys.publicKey(key.toPublicJWK());
        byte[] signature = Base64.getDecoder().decode(
                "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==");

        assertThat(HttpSignatures.verify(testRequest(), b26Coverage(), signature, publicKey)).isTrue();

        HttpRequestView changed = new HttpRequestView("POST", URI.create("https://example.com/foo"))
                .header("Date", "Tue, 20 Apr 2021 02:07:56 GMT")
                .header("Content-Type", "application/json")
                .header("Content-Length", "18");
        assertThat(HttpSignatures.verify(changed, b26Coverage(), signature, publicKey)).isFalse();
    }

    @Test
    void signaturesAgreeWithTheJdksEd25519BothWays() throws Exception {
        OctetKeyPair key = Ed25519Keys.generate("alpha.test/1");
        String base = HttpSignatures.signatureBase(testRequest(), b26Coverage());
        var ours = HttpSignatures.sign(testRequest(), "sig", b26Coverage(), Ed25519Keys.privateKey(key));
        byte[] ourSignature = Base64.getDecoder().decode(
                ours.signature().substring("sig=:".length(), ours.signature().length() - 1));

        Signature jdk = Signature.getInstance("Ed25519");
        jdk.initVerify(Ed25519Keys.publicKey(key.toPublicJWK()));
        jdk.update(base.getBytes(StandardCharsets.UTF_8));
        assertThat(jdk.verify(ourSignature)).isTrue();

        jdk.initSign(Ed25519Keys.privateKey(key));
        jdk.update(base.getBytes(StandardCharsets.UTF_8));
        byte[] jdkSignature = jdk.sign();
        assertThat(jdkSignature).isEqualTo(ourSignature); // Ed25519 is deterministic
        assertThat(HttpSignatures.verify(testRequest(), b26Coverage(), jdkSignature,
                Ed25519Keys.publicKey(key.toPublicJWK()))).isTrue();
    }

    @Test
    void aKeyThatIsNotEd25519IsRefusedAsUnknown() throws Exception {
        var rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair().getPublic();
        Assertions.assertThatThrownBy(
                        () -> HttpSignatures.verify(testRequest(), b26Coverage(), new byte[64], rsa))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.type()).isEqualTo(ProblemType.UNKNOWN_KEY));
    }
}
