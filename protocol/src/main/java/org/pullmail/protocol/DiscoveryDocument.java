package org.pullmail.protocol;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.PublicKey;
import java.text.ParseException;
import java.util.Locale;
import java.util.Map;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;

import org.pullmail.protocol.http.Ed25519Keys;
import org.pullmail.protocol.peer.PeerPolicy;

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

    /**
     * Checks the document {@code https://{expectedDomain}/.well-known/pullmail} served: protocol, the
     * domain itself, keys, and URLs on the domain's own origin, {@code https://{expectedDomain}} on the
     * default port (PROTOCOL.md 2.1).
     */
    public DiscoveryDocument validate(String expectedDomain) throws ProtocolException {
        String name = expectedDomain == null ? null : expectedDomain.toLowerCase(Locale.ROOT);
        if (!Addresses.isValidDomain(name)) {
            throw invalid("not a domain name: " + expectedDomain);
        }
        return validate(expectedDomain, URI.create("https://" + name));
    }

    /**
     * Checks a document as {@link #validate(String)} does, with its URLs on {@code origin}: the domain's
     * own, or for a static entry (PROTOCOL.md 2.4) the origin of the base URL the operator wrote. A
     * static entry trusts what the operator wrote, not wherever the fetched document points.
     */
    public DiscoveryDocument validate(String expectedDomain, URI origin) throws ProtocolException {
        if (!Pmp.PROTOCOL.equals(protocol)) {
            throw invalid("protocol must be \"" + Pmp.PROTOCOL + "\"");
        }
        if (domain == null || !domain.equalsIgnoreCase(expectedDomain)) {
            throw invalid("the document names domain " + domain + ", not " + expectedDomain);
        }
        requireOrigin(notifyUrl, "notify_url", origin);
        requireOrigin(fetchBase, "fetch_base", origin);
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
        } catch (ParseException e) {
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

    /**
     * True when {@code url} lies under this domain's fetch_base (PROTOCOL.md 3.3): same origin, a longer
     * path that starts with the base's, no user info, no fragment, and no {@code .} or {@code ..}
     * segment, also not a percent-encoded one ({@code %2e%2e}): percent-encoded unreserved characters
     * are decoded first (RFC 3986 section 6.2.2.2), as the server that resolves the path will.
     */
    public boolean isUnderFetchBase(String url) {
        try {
            URI candidate = new URI(url);
            URI base = new URI(fetchBase);
            if (candidate.getRawPath() == null || candidate.getRawUserInfo() != null
                    || candidate.getRawFragment() != null || base.getRawPath() == null) {
                return false;
            }
            String path = decodeUnreserved(candidate.getRawPath());
            String basePath = decodeUnreserved(base.getRawPath());
            if (path == null || basePath == null || hasDotSegment(path)) {
                return false;
            }
            return base.getScheme().equalsIgnoreCase(candidate.getScheme())
                    && base.getHost().equalsIgnoreCase(candidate.getHost())
                    && effectivePort(base) == effectivePort(candidate)
                    && path.startsWith(basePath)
                    && path.length() > basePath.length();
        } catch (URISyntaxException | NullPointerException e) {
            return false;
        }
    }

    /**
     * The path with percent-encoded unreserved characters decoded and the hex digits of the others in
     * uppercase (RFC 3986 sections 6.2.2.1 and 6.2.2.2); null for a malformed percent-encoding.
     */
    static String decodeUnreserved(String rawPath) {
        StringBuilder out = new StringBuilder(rawPath.length());
        for (int i = 0; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i + 2 >= rawPath.length()) {
                return null;
            }
            int hi = Character.digit(rawPath.charAt(i + 1), 16);
            int lo = Character.digit(rawPath.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            char decoded = (char) (hi * 16 + lo);
            if ((decoded >= 'a' && decoded <= 'z') || (decoded >= 'A' && decoded <= 'Z')
                    || (decoded >= '0' && decoded <= '9') || decoded == '-' || decoded == '.' || decoded == '_'
                    || decoded == '~') {
                out.append(decoded);
            } else {
                out.append('%').append(Character.toUpperCase(rawPath.charAt(i + 1)))
                        .append(Character.toUpperCase(rawPath.charAt(i + 2)));
            }
            i += 2;
        }
        return out.toString();
    }

    private static boolean hasDotSegment(String path) {
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /** An absolute URL with exactly the scheme, host and port of {@code origin}, and no user info. */
    private static void requireOrigin(String url, String field, URI origin) throws ProtocolException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException | NullPointerException e) {
            throw invalid(field + " must be an absolute http(s) URL");
        }
        if (!uri.isAbsolute() || uri.getHost() == null
                || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
            throw invalid(field + " must be an absolute http(s) URL");
        }
        if (!PeerPolicy.hasOrigin(uri, origin)) {
            throw invalid(field + " must lie on " + origin + ", the domain's own origin");
        }
    }

    private static ProtocolException invalid(String why) {
        return new ProtocolException(ProblemType.DISCOVERY_FAILED, "invalid discovery document: " + why);
    }
}
