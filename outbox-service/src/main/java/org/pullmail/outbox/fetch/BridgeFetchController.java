package org.pullmail.outbox.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
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

    /** Every recipient the bridge sends one copy to, each token once; more than a message may have is refused. */
    private static final int MAX_TOKENS = 1000;

    /**
     * Serves the message to one or more capabilities of it ({@code Pullmail-Capability}, repeated or comma-separated):
     * the bridge sends one copy to all the recipients of one domain, so each of their deliveries counts as fetched
     * now, and a recall from now on does not mark one recalled that the bridge then delivers. Refused whole when
     * any token does not fetch.
     */
    @GetMapping("/internal/v1/messages/{id}/raw")
    void raw(@PathVariable String id, @RequestHeader(name = CAPABILITY_HEADER, required = false) List<String> tokens,
            HttpServletResponse response) throws ProtocolException, IOException {
        Set<String> capabilities = new LinkedHashSet<>();
        for (String value : tokens == null ? List.<String>of() : tokens) {
            for (String token : value.split(",")) {
                capabilities.add(token.trim());
            }
        }
        capabilities.remove("");
        if (capabilities.isEmpty() || capabilities.size() > MAX_TOKENS
                || !capabilities.stream().allMatch(CapabilityToken::isWellFormed)) {
            throw new ProtocolException(ProblemType.CAPABILITY_MISSING,
                    "send " + CAPABILITY_HEADER + ": <token>[, <token>…] from the notification");
        }
        UUID messageId;
        try {
            messageId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ProblemType.NOT_FOUND, "no such message");
        }
        List<GrantedDelivery> deliveries = new ArrayList<>();
        for (String token : capabilities) {
            deliveries.add(fetches.granted(CapabilityToken.hash(token), messageId).orElseThrow(
                    () -> new ProtocolException(ProblemType.NOT_FOUND, "no such message for this capability")));
        }
        for (GrantedDelivery delivery : deliveries) {
            fetches.serve(delivery);
        }
        GrantedDelivery first = deliveries.get(0);
        meters.counter("pullmail.fetches.served", "by", "smtp-bridge").increment();
        response.setContentType(Pmp.MEDIA_TYPE_MESSAGE);
        response.setHeader("Content-Digest", first.digest());
        response.setHeader("Cache-Control", CacheControl.noStore().getHeaderValue());
        response.setContentLengthLong(first.size());
        try (InputStream in = bytes.reader(first.messageId(), first.size())) {
            in.transferTo(response.getOutputStream());
        }
    }
}
