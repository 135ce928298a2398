package org.pullmail.conformance;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.InMemoryNonceStore;
import org.pullmail.protocol.http.PmpVerifier;
import org.pullmail.protocol.http.SignatureProfile;

/**
 * The messages behind the kit's own probe notifications. The probes go to addresses that most likely do
 * not exist; should the deployment fetch one anyway, it gets the message as PROTOCOL.md 4 prescribes,
 * provided that its token is right and its signature is by a key of the recipient's domain. Only tokens
 * of recipients in the deployment's domain are served: the key of any other domain would have to be
 * discovered elsewhere, and the kit connects to nothing but the deployment and itself.
 */
final class PeerOutbox {

    private static final DateTimeFormatter RFC_5322 = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    /** A probe message and its recipients by token. */
    record Message(byte[] bytes, Map<String, String> recipientsByToken) {
    }

    /** What the peer answers: a status and, for 200, the message. */
    record Served(int status, byte[] bytes) {
    }

    private final Map<String, Message> messages = new ConcurrentHashMap<>();
    private final String targetDomain;
    private final KnownDomains discovery;
    private final PmpVerifier verifier;

    /** @param targetDomain the deployment's domain: the only one whose recipients may fetch */
    PeerOutbox(String targetDomain, KnownDomains discovery) {
        this.targetDomain = targetDomain;
        this.discovery = discovery;
        Clock clock = Clock.systemUTC();
        this.verifier = new PmpVerifier(clock, new InMemoryNonceStore(clock));
    }

    /** The bytes of a small probe message, as the notification's size and digest announce them. */
    static byte[] compose(String id, String from, String to, Instant date) {
        String text = "From: " + from + "\r\n"
                + "To: " + to + "\r\n"
                + "Subject: PMP/1 conformance probe\r\n"
                + "Date: " + RFC_5322.format(date) + "\r\n"
                + "Message-ID: <" + id + "@" + Addresses.domainOf(from) + ">\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n"
                + "\r\n"
                + "This message checks a PMP/1 deployment. It needs no answer.\r\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    void add(String id, Message message) {
        messages.put(id, message);
    }

    /** A fetch ({@code status == false}) or a status report of message {@code id}. */
    Served serve(String id, boolean status, HttpRequestView request, byte[] body) throws ProtocolException {
        if (status && !Pmp.MEDIA_TYPE_JSON.equals(mediaType(request))) {
            throw new ProtocolException(ProblemType.UNSUPPORTED_MEDIA_TYPE, "a status report is application/json");
        }
        if (status && body.length > Pmp.MAX_NOTIFICATION_BYTES) {
            throw new ProtocolException(ProblemType.TOO_LARGE, "a status report is at most 4096 bytes");
        }
        String authorization = request.firstHeader("Authorization");
        String prefix = Pmp.CAPABILITY_SCHEME + " ";
        if (authorization == null || !authorization.startsWith(prefix)) {
            throw new ProtocolException(ProblemType.CAPABILITY_MISSING, "send Authorization: PMP-Capability <token>");
        }
        Message message = messages.get(id);
        String recipient = message == null ? null : message.recipientsByToken().get(authorization.substring(prefix.length()).trim());
        // a probe of another domain's recipient (the foreign-recipient checks) is served to nobody
        if (recipient == null || !Addresses.domainOf(recipient).equalsIgnoreCase(targetDomain)) {
            throw new ProtocolException(ProblemType.NOT_FOUND, "no such message for this capability");
        }
        verifier.verify(request, body, status ? SignatureProfile.STATUS : SignatureProfile.FETCH,
                kid -> discovery.key(targetDomain, kid));
        return status ? new Served(204, null) : new Served(200, message.bytes());
    }

    private static String mediaType(HttpRequestView request) {
        String value = request.firstHeader("Content-Type");
        return value == null ? "" : value.split(";")[0].trim().toLowerCase(Locale.ROOT);
    }
}
