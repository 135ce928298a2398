package org.pullmail.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;

import org.junit.jupiter.api.Test;
import org.pullmail.protocol.http.Ed25519Keys;
import org.pullmail.protocol.json.PmpJson;

/** PROTOCOL.md 2.1: what a client makes of the keys a domain publishes. */
class DiscoveryDocumentTest {

    static final OctetKeyPair ED25519 = Ed25519Keys.generate("alpha.test/ed");

    /** alpha.test's document served with these keys (as JSON objects), read as a client reads it. */
    static DiscoveryDocument served(List<Map<String, Object>> keys) throws ProtocolException {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("protocol", "pmp/1");
        document.put("domain", "alpha.test");
        document.put("notify_url", "https://alpha.test/pmp/v1/notifications");
        document.put("fetch_base", "https://alpha.test/pmp/v1/messages/");
        document.put("keys", Map.of("keys", keys));
        return PmpJson.readDiscovery(PmpJson.write(document), "alpha.test");
    }

    static List<Map<String, Object>> withEd25519(JWK... others) {
        List<Map<String, Object>> keys = new ArrayList<>();
        keys.add(ED25519.toPublicJWK().toJSONObject());
        for (JWK other : others) {
            keys.add(other.toJSONObject());
        }
        return keys;
    }

    static void assertRefused(ThrowingCall call, ProblemType expected) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.type()).isEqualTo(expected));
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    void keysOfOtherTypesAreSkippedAndNamingOneIsUnknownKey() throws Exception {
        JWK rsa = new RSAKeyGenerator(2048).keyID("alpha.test/rsa").generate().toPublicJWK();
        JWK p256 = new ECKeyGenerator(Curve.P_256).keyID("alpha.test/p256").generate().toPublicJWK();
        Map<String, Object> x25519 = Map.of("kty", "OKP", "crv", "X25519", "kid", "alpha.test/x25519",
                "x", "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo");
        List<Map<String, Object>> keys = withEd25519(rsa, p256);
        keys.add(x25519);
        DiscoveryDocument document = served(keys);

        assertThat(document.key("alpha.test/ed")).isEqualTo(Ed25519Keys.publicKey(ED25519.toPublicJWK()));
        for (String kid : List.of("alpha.test/rsa", "alpha.test/p256", "alpha.test/x25519", "alpha.test/none")) {
            assertRefused(() -> document.key(kid), ProblemType.UNKNOWN_KEY);
        }
    }

    @Test
    void aKeyOfATypeNoOneKnowsIsLeftOut() throws Exception {
        List<Map<String, Object>> keys = withEd25519();
        keys.add(Map.of("kty", "FUTURE", "kid", "alpha.test/future", "pub", "AAAA"));
        DiscoveryDocument document = served(keys);
        assertThat(document.keySet().getKeys()).extracting(JWK::getKeyID).containsExactly("alpha.test/ed");
        assertRefused(() -> document.key("alpha.test/future"), ProblemType.UNKNOWN_KEY);
    }

    @Test
    void aKeyOfAKnownTypeThatIsNoValidJwkMakesTheDocumentInvalid() {
        List<Map<String, Object>> keys = withEd25519();
        keys.add(Map.of("kty", "RSA", "kid", "alpha.test/rsa", "e", "AQAB")); // no modulus
        assertRefused(() -> served(keys), ProblemType.DISCOVERY_FAILED);
    }

    @Test
    void aDocumentPublishingAnyPrivateKeyIsRefused() throws Exception {
        JWK privateRsa = new RSAKeyGenerator(2048).keyID("alpha.test/rsa").generate();
        assertRefused(() -> served(withEd25519(privateRsa)), ProblemType.DISCOVERY_FAILED);
        assertRefused(() -> served(List.of(ED25519.toJSONObject())), ProblemType.DISCOVERY_FAILED);
    }

    @Test
    void aDocumentWithoutKeysIsRefused() {
        assertRefused(() -> served(List.of()), ProblemType.DISCOVERY_FAILED);
    }

    @Test
    void theServedDocumentIsReadBack() throws Exception {
        byte[] json = PmpJson.write(DiscoveryDocument.of("alpha.test", URI.create("https://alpha.test/n"),
                URI.create("https://alpha.test/m/"), new JWKSet(ED25519)));
        assertThat(new String(json, StandardCharsets.UTF_8)).doesNotContain("\"d\"");
        assertThat(PmpJson.readDiscovery(json, "ALPHA.test").key("alpha.test/ed")).isNotNull();
    }

    static DiscoveryDocument document(String notifyUrl, String fetchBase) {
        return new DiscoveryDocument("pmp/1", "alpha.test", notifyUrl, fetchBase,
                new JWKSet(ED25519.toPublicJWK()).toJSONObject(true));
    }

    @Test
    void aDiscoveredDomainsUrlsLieOnItsOwnHttpsOriginOnTheDefaultPort() throws Exception {
        assertThat(document("https://alpha.test/pmp/v1/notifications", "https://ALPHA.test:443/pmp/v1/messages/")
                .validate("alpha.test")).isNotNull();
        for (String elsewhere : List.of("https://127.0.0.1/n", "https://internal.alpha.test/n", "http://alpha.test/n",
                "https://alpha.test:8443/n", "https://user@alpha.test/n", "https://alpha.test.evil.test/n",
                "https://localhost/n")) {
            assertRefused(() -> document(elsewhere, "https://alpha.test/m/").validate("alpha.test"),
                    ProblemType.DISCOVERY_FAILED);
            assertRefused(() -> document("https://alpha.test/n", elsewhere + "/").validate("alpha.test"),
                    ProblemType.DISCOVERY_FAILED);
        }
    }

    @Test
    void aStaticEntryTrustsOnlyTheOriginTheOperatorWrote() throws Exception {
        URI entry = URI.create("http://127.0.0.1:9080/alpha");
        assertThat(document("http://127.0.0.1:9080/alpha/pmp/v1/notifications", "http://127.0.0.1:9080/alpha/m/")
                .validate("alpha.test", entry)).isNotNull();
        for (String elsewhere : List.of("http://127.0.0.1:8081/n", "http://localhost:9080/n", "https://127.0.0.1:9080/n",
                "http://169.254.169.254/n", "https://alpha.test/n")) {
            assertRefused(() -> document(elsewhere, "http://127.0.0.1:9080/m/").validate("alpha.test", entry),
                    ProblemType.DISCOVERY_FAILED);
            assertRefused(() -> document("http://127.0.0.1:9080/n", elsewhere + "/").validate("alpha.test", entry),
                    ProblemType.DISCOVERY_FAILED);
        }
    }

    @Test
    void percentEncodedDotSegmentsDoNotPassTheFetchBaseCheck() {
        DiscoveryDocument alpha = document("https://alpha.test/n", "https://alpha.test/pmp/v1/messages/");
        assertThat(alpha.isUnderFetchBase("https://alpha.test/pmp/v1/messages/abc")).isTrue();
        assertThat(alpha.isUnderFetchBase("https://alpha.test/pmp/v1/messages/%61bc")).isTrue();
        assertThat(alpha.isUnderFetchBase("https://alpha.test/pmp/v1/%6Dessages/abc")).isTrue();
        for (String outside : List.of("https://alpha.test/pmp/v1/messages/%2e%2e/%2e%2e/admin",
                "https://alpha.test/pmp/v1/messages/%2E%2E/x", "https://alpha.test/pmp/v1/messages/.%2e/x",
                "https://alpha.test/pmp/v1/messages/%2e./x", "https://alpha.test/pmp/v1/messages/%2e/x",
                "https://alpha.test/pmp/v1/messages/../x", "https://alpha.test/pmp/v1/messages/x/..",
                "https://alpha.test/pmp/v1/messages/x/.", "https://alpha.test/pmp/v1/messages/x/%2e",
                "https://alpha.test/pmp/v1/messages/%zz", "https://alpha.test/pmp/v1/messages/",
                "https://alpha.test/pmp/v1/other/x", "https://alpha.test:444/pmp/v1/messages/x")) {
            assertThat(alpha.isUnderFetchBase(outside)).as(outside).isFalse();
        }
    }
}
