package org.pullmail.protocol.http;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.StructuredFields.InnerList;
import org.pullmail.protocol.http.StructuredFields.Item;

/**
 * RFC 9421 HTTP Message Signatures over requests, with Ed25519 (section 3.3.6). This class knows the
 * signature base and the two header fields; {@link PmpVerifier} adds PMP/1's profile on top.
 */
public final class HttpSignatures {

    public static final String SIGNATURE_INPUT = "Signature-Input";
    public static final String SIGNATURE = "Signature";

    /** The two header fields that carry one signature. */
    public record SignatureFields(String signatureInput, String signature) {
    }

    private HttpSignatures() {
    }

    /** Builds the covered-components inner list with its parameters (kept in the given order). */
    public static InnerList coverage(List<String> components, Map<String, Object> params) {
        List<Item> items = new ArrayList<>();
        for (String component : components) {
            items.add(Item.of(component));
        }
        return new InnerList(items, params);
    }

    /** The signature base of RFC 9421 section 2.5. */
    public static String signatureBase(HttpRequestView request, InnerList coverage) throws ProtocolException {
        StringBuilder base = new StringBuilder();
        List<String> seen = new ArrayList<>();
        for (Item item : coverage.items()) {
            if (!(item.value() instanceof String name) || !item.params().isEmpty()) {
                throw new ProtocolException(ProblemType.SIGNATURE_PROFILE,
                        "covered components must be plain strings without parameters");
            }
            if (!name.equals(name.toLowerCase(Locale.ROOT)) || seen.contains(name)) {
                throw new ProtocolException(ProblemType.SIGNATURE_MALFORMED,
                        "component " + name + " is not lowercase or is listed twice");
            }
            seen.add(name);
            base.append('"').append(name).append("\": ").append(componentValue(request, name)).append('\n');
        }
        base.append("\"@signature-params\": ").append(StructuredFields.serialize(coverage));
        return base.toString();
    }

    /** Signs and returns the Signature-Input and Signature field values for {@code label}. */
    public static SignatureFields sign(HttpRequestView request, String label, InnerList coverage, PrivateKey key)
            throws ProtocolException {
        byte[] base = signatureBase(request, coverage).getBytes(StandardCharsets.UTF_8);
        Ed25519Signer ed25519 = new Ed25519Signer();
        ed25519.init(true, Ed25519Keys.signing(key));
        ed25519.update(base, 0, base.length);
        byte[] value = ed25519.generateSignature();
        return new SignatureFields(label + "=" + StructuredFields.serialize(coverage),
                label + "=" + StructuredFields.serializeBare(value));
    }

    /** True when {@code signature} is a valid Ed25519 signature of the request's base by {@code key}. */
    public static boolean verify(HttpRequestView request, InnerList coverage, byte[] signature, PublicKey key)
            throws ProtocolException {
        byte[] base = signatureBase(request, coverage).getBytes(StandardCharsets.UTF_8);
        if (signature.length != 64) {
            return false;
        }
        Ed25519Signer ed25519 = new Ed25519Signer();
        ed25519.init(false, Ed25519Keys.verifying(key));
        ed25519.update(base, 0, base.length);
        return ed25519.verifySignature(signature);
    }

    private static String componentValue(HttpRequestView request, String name) throws ProtocolException {
        URI uri = request.targetUri();
        switch (name) {
            case "@method":
                return request.method();
            case "@target-uri":
                return uri.toASCIIString();
            case "@authority":
                return authority(uri);
            case "@scheme":
                return uri.getScheme().toLowerCase(Locale.ROOT);
            case "@path":
                return path(uri);
            case "@query":
                return "?" + (uri.getRawQuery() == null ? "" : uri.getRawQuery());
            case "@request-target":
                return path(uri) + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            default:
                if (name.startsWith("@")) {
                    throw new ProtocolException(ProblemType.SIGNATURE_PROFILE,
                            "derived component " + name + " is not supported");
                }
                List<String> lines = request.header(name);
                if (lines.isEmpty()) {
                    throw new ProtocolException(ProblemType.SIGNATURE_INVALID,
                            "covered component " + name + " is absent from the request");
                }
                List<String> trimmed = new ArrayList<>();
                for (String line : lines) {
                    trimmed.add(line.strip());
                }
                return String.join(", ", trimmed);
        }
    }

    private static String path(URI uri) {
        String path = uri.getRawPath();
        return path == null || path.isEmpty() ? "/" : path;
    }

    private static String authority(URI uri) {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort();
        boolean defaultPort = port == -1
                || ("https".equalsIgnoreCase(uri.getScheme()) && port == 443)
                || ("http".equalsIgnoreCase(uri.getScheme()) && port == 80);
        return defaultPort ? host : host + ":" + port;
    }
}
