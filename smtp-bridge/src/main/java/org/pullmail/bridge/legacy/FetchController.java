package org.pullmail.bridge.legacy;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

import org.pullmail.bridge.config.BridgeProperties;
import org.pullmail.bridge.legacy.LegacyMessages.Granted;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.http.PmpVerifier;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.IncomingRequests;
import org.pullmail.service.PullmailProperties;
import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Serves the fetch of legacy mail and takes its status reports (PROTOCOL.md 4 and 5), as any sender's domain does:
 * the token first, then the signature by the token's recipient domain (this domain: only its own inbox fetches
 * bridged mail), and only then whether the message may still be served.
 */
@RestController
class FetchController {

    /** The segment under the fetch_base that the gateway routes to the bridge. */
    static final String SMTP_SEGMENT = "smtp";

    private final LegacyMessages messages;
    private final PmpVerifier verifier;
    private final DiscoveryClient discovery;
    private final PullmailProperties pullmail;
    private final BridgeProperties bridge;
    private final Clock clock;
    private final MeterRegistry meters;

    FetchController(LegacyMessages messages, PmpVerifier verifier, DiscoveryClient discovery,
            PullmailProperties pullmail, BridgeProperties bridge, Clock clock, MeterRegistry meters) {
        this.messages = messages;
        this.verifier = verifier;
        this.discovery = discovery;
        this.pullmail = pullmail;
        this.bridge = bridge;
        this.clock = clock;
        this.meters = meters;
        meters.counter("pullmail.bridge.fetches.served");
    }

    /** The kept bytes, streamed chunk by chunk, with their Content-Length and Content-Digest. */
    @GetMapping(Pmp.FETCH_PATH + "/" + SMTP_SEGMENT + "/{id}")
    void fetch(@PathVariable String id, HttpServletRequest request, HttpServletResponse response)
            throws ProtocolException, IOException {
        Granted granted = authorize(id, request, null, SignatureProfile.FETCH);
        Instant now = clock.instant();
        if (!granted.expiresAt().isAfter(now)) {
            throw new ProtocolException(ProblemType.EXPIRED, "this message expired before it was fetched");
        }
        switch (granted.state()) {
            case DECLINED, SPAM, BLOCKED, UNKNOWN ->
                    throw new ProtocolException(ProblemType.NOT_FOUND, "no such message for this capability");
            case STORED -> {
                if (granted.changedAt().plus(bridge.storedTokenGrace()).isBefore(now)) {
                    throw new ProtocolException(ProblemType.ALREADY_STORED, "your domain reported this message stored at "
                            + granted.changedAt() + "; its token fetched for " + bridge.storedTokenGrace() + " after that");
                }
            }
            default -> {
            }
        }
        if (!granted.contentKept()) {
            throw new ProtocolException(ProblemType.EXPIRED, "this message's bytes are no longer kept");
        }
        messages.fetched(granted);
        meters.counter("pullmail.bridge.fetches.served").increment();
        response.setContentType(Pmp.MEDIA_TYPE_MESSAGE);
        response.setHeader("Content-Digest", granted.digest());
        response.setHeader("Cache-Control", CacheControl.noStore().getHeaderValue());
        response.setContentLengthLong(granted.size());
        try (InputStream in = messages.reader(granted)) {
            in.transferTo(response.getOutputStream());
        }
    }

    @PostMapping(Pmp.FETCH_PATH + "/" + SMTP_SEGMENT + "/{id}/status")
    ResponseEntity<Void> status(@PathVariable String id, HttpServletRequest request) throws ProtocolException {
        if (!Pmp.isJson(request.getContentType())) {
            throw new ProtocolException(ProblemType.UNSUPPORTED_MEDIA_TYPE, "a status report is application/json");
        }
        byte[] body = readBody(request);
        Granted granted = authorize(id, request, body, SignatureProfile.STATUS);
        messages.report(granted.messageId(), Addresses.domainOf(granted.recipient()), PmpJson.readStatusReport(body));
        return ResponseEntity.noContent().build();
    }

    /** Token, then signature by the token's recipient domain; the recipient the token names. */
    private Granted authorize(String id, HttpServletRequest request, byte[] body, SignatureProfile profile)
            throws ProtocolException {
        String authorization = request.getHeader("Authorization");
        String prefix = Pmp.CAPABILITY_SCHEME + " ";
        String token = authorization != null && authorization.regionMatches(true, 0, prefix, 0, prefix.length())
                ? authorization.substring(prefix.length()).trim() : null;
        if (token == null || !Notification.TOKEN.matcher(token).matches()) {
            throw new ProtocolException(ProblemType.CAPABILITY_MISSING,
                    "send Authorization: PMP-Capability <token> from the notification");
        }
        UUID messageId;
        try {
            messageId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ProblemType.NOT_FOUND, "no such message");
        }
        Granted granted = messages.granted(CapabilityTokens.hash(token), messageId)
                .orElseThrow(() -> new ProtocolException(ProblemType.NOT_FOUND, "no such message for this capability"));
        String domain = Addresses.domainOf(granted.recipient());
        verifier.verify(IncomingRequests.view(request, IncomingRequests.publicTarget(request, pullmail)), body, profile,
                kid -> discovery.key(domain, kid));
        return granted;
    }

    private static byte[] readBody(HttpServletRequest request) throws ProtocolException {
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes(Pmp.MAX_NOTIFICATION_BYTES + 1);
            if (body.length > Pmp.MAX_NOTIFICATION_BYTES) {
                throw new ProtocolException(ProblemType.TOO_LARGE, "a status report is at most 4096 bytes");
            }
            return body;
        } catch (IOException e) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "the body could not be read");
        }
    }
}
