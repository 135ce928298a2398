package org.pullmail.protocol;

import java.net.URI;
import java.security.PublicKey;
import java.util.Map;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;

import org.pullmail.protocol.http.Ed25519Keys;

/**
 * {@code GET /.well-known/pullmail}: where a domain takes notifications, where its fetch URLs live
 * and which keys sign for it. {@code keys} is a JWK set (RFC 7517) of public Ed25519 keys; during a
 * rotation it lists the old and the new key.
 */
public record DiscoveryDocument(String protocol, String domain, String notifyUrl, String fetchBase,
        Map<String, Object> keys) {

    /** A document for {@code domain}; {@code publicKeys} must hold public keys only. */
    public static DiscoveryDocument of(String domain, URI notifyUrl, URI fetchBase, JWKSet publicKeys) {
        return new DiscoveryDocument(Pmp.PROTOCOL, domain, notifyUrl.toString(), fetchBase.toString(),
                publicKeys.toPublicJWKSet().toJSONObject(true));
    }

    /** Checks the document a domain served: protocol, the domain itself, URLs and keys. */
    public DiscoveryDocument validate(String expectedDomain) throws ProtocolException {
        if (!Pmp.PROTOCOL.equals(protocol)) {
            throw invalid("protocol must be \"" + Pmp.PROTOCOL + "\"");
        }
        if (domain == null || !domain.equalsIgnoreCase(expectedDomain)) {
            throw invalid("the document names domain " + domain + ", not " + expectedDomain);
        }
        requireHttpUrl(notifyUrl, "notify_url");
        requireHttpUrl(fetchBase, "fetch_base");
        if (!fetchBase.endsWith("/")) {
            throw invalid("fetch_base must end with '/'");
        }
        JWKSet keySet = keySet();
        if (keySet.getKeys().isEmpty()) {
            throw invalid("keys must list at least one key");
        }
        if (keySet.getKeys().stream().anyMatch(JWK::isPrivate)) {
            throw invalid("a discovery document must not publish private keys");
        }
        return this;
    }

    /**
     * The published keys as a Nimbus JWK set. A key of a type Nimbus does not know is left out; a key of
     * a known type that is not a valid JWK makes the document invalid.
     */
    public JWKSet keySet() throws ProtocolException {
        if (keys == null) {
            throw invalid("keys is missing");
        }
        try {
            return JWKSet.parse(keys);
        } catch (java.text.ParseException e) {
            throw invalid("keys is not a JWK set: " + e.getMessage());
        }
    }

    /**
     * The public Ed25519 key with {@code kid}, or UNKNOWN_KEY. Keys of other types (RSA, P-256, X25519…)
     * may stand next to the Ed25519 keys without making the document invalid, but never verify a PMP/1
     * signature: naming one is answered like naming no key at all (PROTOCOL.md 2.1).
     */
    public PublicKey key(String kid) throws ProtocolException {
        JWK jwk = keySet().getKeyByKeyId(kid);
        if (jwk == null) {
            throw new ProtocolException(ProblemType.UNKNOWN_KEY, "domain " + domain + " publishes no key " + kid);
        }
        if (jwk.isPrivate()) {
            throw invalid("a discovery document must not publish private keys");
        }
        return Ed25519Keys.publicKey(Ed25519Keys.requireEd25519(jwk));
    }

    /** True when {@code url} lies under this domain's fetch_base (same origin, path prefix, no dot segments). */
    public boolean isUnderFetchBase(String url) {
        try {
            URI candidate = new URI(url);
            URI base = new URI(fetchBase);
            if (candidate.getRawPath() == null || candidate.getRawPath().contains("/..") || candidate.getRawPath().contains("/./")
                    || candidate.getRawUserInfo() != null || candidate.getRawFragment() != null) {
                return false;
            }
            return base.getScheme().equalsIgnoreCase(candidate.getScheme())
                    && base.getHost().equalsIgnoreCase(candidate.getHost())
                    && effectivePort(base) == effectivePort(candidate)
                    && candidate.getRawPath().startsWith(base.getRawPath())
                    && candidate.getRawPath().length() > base.getRawPath().length();
        } catch (java.net.URISyntaxException | NullPointerException e) {
            return false;
        }
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static void requireHttpUrl(String url, String field) throws ProtocolException {
        try {
            URI uri = new URI(url);
            if (!uri.isAbsolute() || uri.getHost() == null
                    || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
                throw invalid(field + " must be an absolute http(s) URL");
            }
        } catch (java.net.URISyntaxException | NullPointerException e) {
            throw invalid(field + " must be an absolute http(s) URL");
        }
    }

    private static ProtocolException invalid(String why) {
        return new ProtocolException(ProblemType.DISCOVERY_FAILED, "invalid discovery document: " + why);
    }
}
