package org.pullmail.inbox.notification;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.PmpVerifier;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.PullmailProperties;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import jakarta.servlet.http.HttpServletRequest;

/**
 * {@code POST /pmp/v1/notifications}: every check of PROTOCOL.md 3.3, in its order, before anything
 * is stored. The signature must be by a key of the domain of {@code from}.
 */
@RestController
class NotificationController {

    private final NotificationIntake intake;
    private final PmpVerifier verifier;
    private final DiscoveryClient discovery;
    private final PullmailProperties pullmail;
    private final IntakeLimits limits;
    private final InboxProperties inbox;
    private final Counter received;

    NotificationController(NotificationIntake intake, PmpVerifier verifier, DiscoveryClient discovery,
            PullmailProperties pullmail, IntakeLimits limits, InboxProperties inbox,
            MeterRegistry meters) {
        this.received = meters.counter("pullmail.notifications.received"); // exported from the start, at zero
        this.intake = intake;
        this.verifier = verifier;
        this.discovery = discovery;
        this.pullmail = pullmail;
        this.limits = limits;
        this.inbox = inbox;
    }

    @PostMapping(value = Pmp.NOTIFY_PATH, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<String> receive(HttpServletRequest request) throws ProtocolException {
        String contentType = request.getContentType();
        if (!Pmp.isJson(contentType)) {
            throw new ProtocolException(ProblemType.UNSUPPORTED_MEDIA_TYPE, "a notification is application/json");
        }
        String client = clientAddress(request);
        // an address or a domain known to be over its limit is refused before any work: what protects the
        // verifier from floods
        limits.refuseIfKnownOver(IntakeLimits.SENDER_IP, client, inbox.limits().perSenderIp());
        Notification notification;
        try {
            byte[] body = readAtMost(request, Pmp.MAX_NOTIFICATION_BYTES);
            notification = PmpJson.readNotification(body);
            String senderDomain = notification.senderDomain();
            verifier.verify(view(request), body, SignatureProfile.NOTIFICATION, kid -> discovery.key(senderDomain, kid));
            limits.refuseIfKnownOver(IntakeLimits.SENDER_DOMAIN, senderDomain, inbox.limits().perSenderDomain());
            DiscoveryDocument sender = discovery.discover(senderDomain);
            if (!sender.isUnderFetchBase(notification.fetchUrl())) {
                throw new ProtocolException(ProblemType.FETCH_URL_OUTSIDE_BASE,
                        "fetch_url must lie under " + sender.fetchBase());
            }
            // one answer for a list wholly in another domain and for one that mixes domains
            if (!notification.allRecipientsIn(pullmail.domain())) {
                throw new ProtocolException(ProblemType.FOREIGN_RECIPIENT,
                        "this is " + pullmail.domain() + ": every recipient of a notification to it must be in it");
            }
        } catch (ProtocolException | RuntimeException e) {
            // refused before it reached the intake: it counts against its client address all the same
            limits.countUnverified(client);
            throw e;
        }
        // the limits themselves are counted with the batch that stores it
        String receipt = intake.receive(notification, client);
        received.increment();
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(receipt);
    }

    /**
     * The sending client's address, as this domain's gateway saw it (it always overwrites the
     * header), else the connection's peer when the inbox is reached directly.
     */
    private static String clientAddress(HttpServletRequest request) {
        String client = request.getHeader("X-Pullmail-Client");
        return client == null || client.isBlank() ? request.getRemoteAddr() : client.trim();
    }

    private HttpRequestView view(HttpServletRequest request) {
        HttpRequestView view = new HttpRequestView(request.getMethod(), pullmail.notifyUrl());
        for (String name : Collections.list(request.getHeaderNames())) {
            Collections.list(request.getHeaders(name)).forEach(value -> view.header(name, value));
        }
        return view;
    }

    private static byte[] readAtMost(HttpServletRequest request, int limit) throws ProtocolException {
        if (request.getContentLengthLong() > limit) {
            throw new ProtocolException(ProblemType.TOO_LARGE, "a notification is at most " + limit + " bytes");
        }
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes(limit + 1);
            if (body.length > limit) {
                throw new ProtocolException(ProblemType.TOO_LARGE, "a notification is at most " + limit + " bytes");
            }
            return body;
        } catch (IOException e) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "the body could not be read");
        }
    }
}
