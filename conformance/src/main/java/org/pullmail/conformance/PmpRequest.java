package org.pullmail.conformance;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.HttpSignatures;
import org.pullmail.protocol.http.StructuredFields;

/**
 * One PMP/1 request as the kit sends it: method, the published URL its signature covers, header fields
 * and body. It is built, signed (properly or in one of the ways a check needs), and can be sent again
 * byte for byte, which is how the replay checks work.
 */
final class PmpRequest {

    private final String method;
    private final URI target;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private byte[] body;

    private PmpRequest(String method, URI target, byte[] body) {
        this.method = method;
        this.target = target;
        this.body = body;
    }

    static PmpRequest get(URI target) {
        return new PmpRequest("GET", target, null).header("Accept", Pmp.MEDIA_TYPE_MESSAGE);
    }

    /** A JSON POST with its Content-Digest, as every PMP/1 request with a body is sent. */
    static PmpRequest postJson(URI target, byte[] body) {
        return new PmpRequest("POST", target, body).header("Content-Type", Pmp.MEDIA_TYPE_JSON)
                .header("Content-Digest", ContentDigest.sha256(body));
    }

    static PmpRequest capability(PmpRequest request, String token) {
        return request.header("Authorization", Pmp.CAPABILITY_SCHEME + " " + token);
    }

    URI target() {
        return target;
    }

    /** Sets a header field; a null value removes it. */
    PmpRequest header(String name, String value) {
        headers.keySet().removeIf(n -> n.equalsIgnoreCase(name));
        if (value != null) {
            headers.put(name, value);
        }
        return this;
    }

    String header(String name) {
        return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }

    /** Replaces the body and leaves every header field (Content-Digest, signature) as it was. */
    PmpRequest body(byte[] replacement) {
        this.body = replacement;
        return this;
    }

    /** The request as RFC 9421 sees it, with the header fields set so far. */
    HttpRequestView view() {
        HttpRequestView view = new HttpRequestView(method, target);
        headers.forEach(view::header);
        return view;
    }

    /** Signs with the signature of {@code signature}; the covered header fields must be set already. */
    PmpRequest sign(Signature signature) {
        HttpSignatures.SignatureFields fields = signature.fields(view());
        return header(HttpSignatures.SIGNATURE_INPUT, fields.signatureInput())
                .header(HttpSignatures.SIGNATURE, fields.signature());
    }

    /** Flips a bit of the Ed25519 signature: still well-formed, no longer valid. */
    PmpRequest corruptSignature() {
        String field = header(HttpSignatures.SIGNATURE);
        try {
            var member = StructuredFields.parseDictionary(field).get(Pmp.SIGNATURE_LABEL);
            byte[] bytes = ((byte[]) ((StructuredFields.Item) member).value()).clone();
            bytes[0] ^= 0x01;
            return header(HttpSignatures.SIGNATURE, Pmp.SIGNATURE_LABEL + "=" + StructuredFields.serializeBare(bytes));
        } catch (ProtocolException | ClassCastException | NullPointerException e) {
            throw new IllegalStateException("the request carries no signature of its own to corrupt", e);
        }
    }

    HttpRequest build(URI sendTo) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(sendTo).timeout(Duration.ofSeconds(30));
        headers.forEach(builder::header);
        return builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }
}
