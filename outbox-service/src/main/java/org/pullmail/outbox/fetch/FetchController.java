package org.pullmail.outbox.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.util.UUID;

import org.pullmail.outbox.delivery.CapabilityToken;
import org.pullmail.outbox.fetch.Fetches.GrantedDelivery;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.PmpVerifier;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.IncomingRequests;
import org.pullmail.service.MessageBytes;
import org.pullmail.service.PullmailProperties;
import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Serves PMP/1 fetches and takes status reports (PROTOCOL.md sections 4 and 5). The token is looked
 * up first, then the signature is checked against the keys of the token's recipient domain, and only
 * then does the answer reveal whether the message was recalled or expired ({@link Fetches}).
 */
@RestController
class FetchController {

    private final Fetches fetches;
    private final MessageBytes bytes;
    private final PmpVerifier verifier;
    private final DiscoveryClient discovery;
    private final PullmailProperties pullmail;
    private final FailedFetchLimits failures;
    private final MeterRegistry meters;

    FetchController(Fetches fetches, MessageBytes bytes, PmpVerifier verifier, DiscoveryClient discovery,
            PullmailProperties pullmail, FailedFetchLimits failures, MeterRegistry meters) {
        this.fetches = fetches;
        this.bytes = bytes;
        this.verifier = verifier;
        this.discovery = discovery;
        this.pullmail = pullmail;
        this.failures = failures;
        this.meters = meters;
        meters.counter("pullmail.fetches.served");
    }

    /** The message's bytes, streamed from storage chunk by chunk with their Content-Length and Content-Digest. */
    @GetMapping(Pmp.FETCH_PATH + "/{id}")
    void fetch(@PathVariable String id, HttpServletRequest request, HttpServletResponse response)
            throws ProtocolException, IOException {
        GrantedDelivery delivery = authorize(id, request, null, SignatureProfile.FETCH);
        fetches.serve(delivery);
        meters.counter("pullmail.fetches.served").increment();
        response.setContentType(Pmp.MEDIA_TYPE_MESSAGE);
        response.setHeader("Content-Digest", delivery.digest());
        response.setHeader("Cache-Control", CacheControl.noStore().getHeaderValue());
        response.setContentLengthLong(delivery.size());
        try (InputStream in = bytes.reader(delivery.messageId(), delivery.size())) {
            in.transferTo(response.getOutputStream());
        }
    }

    @PostMapping(Pmp.FETCH_PATH + "/{id}/status")
    ResponseEntity<Void> status(@PathVariable String id, HttpServletRequest request) throws ProtocolException {
        if (!Pmp.isJson(request.getContentType())) {
            throw new ProtocolException(ProblemType.UNSUPPORTED_MEDIA_TYPE, "a status report is application/json");
        }
        byte[] body = readBody(request);
        GrantedDelivery delivery = authorize(id, request, body, SignatureProfile.STATUS);
        fetches.report(delivery, PmpJson.readStatusReport(body));
        return ResponseEntity.noContent().build();
    }

    /** Token, then signature by the token's recipient domain. Returns the delivery the token grants. */
    private GrantedDelivery authorize(String id, HttpServletRequest request, byte[] body, SignatureProfile profile)
            throws ProtocolException {
        String client = IncomingRequests.clientAddress(request);
        String authorization = request.getHeader("Authorization");
        String prefix = Pmp.CAPABILITY_SCHEME + " ";
        String token = authorization != null && authorization.regionMatches(true, 0, prefix, 0, prefix.length())
                ? authorization.substring(prefix.length()).trim() : null;
        boolean wellFormed = token != null && CapabilityToken.isWellFormed(token);
        // a client (or a token) that failed too often is refused before anything is looked up
        failures.check(client, wellFormed ? token : null);
        try {
            return authorize(id, request, body, profile, wellFormed ? token : null);
        } catch (ProtocolException e) {
            if (e.type() != ProblemType.DISCOVERY_FAILED) {
                failures.failed(client, wellFormed ? token : null);
            }
            throw e;
        }
    }

    private GrantedDelivery authorize(String id, HttpServletRequest request, byte[] body, SignatureProfile profile,
            String token) throws ProtocolException {
        if (token == null) {
            throw new ProtocolException(ProblemType.CAPABILITY_MISSING,
                    "send Authorization: PMP-Capability <token> from the notification");
        }
        UUID messageId;
        try {
            messageId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ProblemType.NOT_FOUND, "no such message");
        }
        GrantedDelivery delivery = fetches.granted(CapabilityToken.hash(token), messageId)
                .orElseThrow(() -> new ProtocolException(ProblemType.NOT_FOUND, "no such message for this capability"));
        verifier.verify(view(request), body, profile, kid -> discovery.key(delivery.recipientDomain(), kid));
        return delivery;
    }

    private HttpRequestView view(HttpServletRequest request) {
        return IncomingRequests.view(request, IncomingRequests.publicTarget(request, pullmail));
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
