package org.pullmail.outbox.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.util.UUID;

import org.pullmail.outbox.delivery.CapabilityToken;
import org.pullmail.outbox.fetch.Fetches.GrantedDelivery;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.service.MessageBytes;
import org.springframework.http.CacheControl;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import jakarta.servlet.http.HttpServletResponse;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The fetch of this domain's own SMTP bridge, for a recipient whose domain speaks only SMTP: such a domain cannot
 * sign a PMP/1 fetch, so the bridge fetches in its stead, on the internal API (the internal secret in
 * {@code Authorization}) with the delivery's capability token in {@code Pullmail-Capability}. Otherwise it is a
 * fetch like any ({@link Fetches}): the same refusals (recalled, expired, declined) and the delivery counts as
 * fetched.
 */
@RestController
class BridgeFetchController {

    static final String CAPABILITY_HEADER = "Pullmail-Capability";

    private final Fetches fetches;
    private final MessageBytes bytes;
    private final MeterRegistry meters;

    BridgeFetchController(Fetches fetches, MessageBytes bytes, MeterRegistry meters) {
        this.fetches = fetches;
        this.bytes = bytes;
        this.meters = meters;
    }

    @GetMapping("/internal/v1/messages/{id}/raw")
    void raw(@PathVariable String id, @RequestHeader(name = CAPABILITY_HEADER, required = false) String token,
            HttpServletResponse response) throws ProtocolException, IOException {
        if (token == null || !CapabilityToken.isWellFormed(token)) {
            throw new ProtocolException(ProblemType.CAPABILITY_MISSING,
                    "send " + CAPABILITY_HEADER + ": <token> from the notification");
        }
        UUID messageId;
        try {
            messageId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ProblemType.NOT_FOUND, "no such message");
        }
        GrantedDelivery delivery = fetches.granted(CapabilityToken.hash(token), messageId)
                .orElseThrow(() -> new ProtocolException(ProblemType.NOT_FOUND, "no such message for this capability"));
        fetches.serve(delivery);
        meters.counter("pullmail.fetches.served", "by", "smtp-bridge").increment();
        response.setContentType(Pmp.MEDIA_TYPE_MESSAGE);
        response.setHeader("Content-Digest", delivery.digest());
        response.setHeader("Cache-Control", CacheControl.noStore().getHeaderValue());
        response.setContentLengthLong(delivery.size());
        try (InputStream in = bytes.reader(delivery.messageId(), delivery.size())) {
            in.transferTo(response.getOutputStream());
        }
    }
}
