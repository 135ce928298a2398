package org.pullmail.inbox.notification;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.http.PmpVerifier;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.IncomingRequests;
import org.pullmail.service.ProblemResponses;
import org.pullmail.service.PullmailProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code POST /pmp/v1/notifications}: every check of PROTOCOL.md 3.3, in its order, before anything is
 * stored. The signature must be by a key of the domain of {@code from}.
 * <p>
 * Served by a servlet filter ahead of Spring Security and Spring MVC (the intake's hot path, and traffic
 * that authenticates itself by signature: neither the user API's authentication nor its dispatch has
 * anything to do for it). Its refusals are the same RFC 9457 problems the rest of the service writes.
 * Other methods on the path go on to Spring MVC, which answers 405.
 */
class NotificationEndpoint implements Filter {

    private static final Logger log = LoggerFactory.getLogger(NotificationEndpoint.class);

    private final NotificationIntake intake;
    private final PmpVerifier verifier;
    private final DiscoveryClient discovery;
    private final PullmailProperties pullmail;
    private final IntakeLimits limits;
    private final InboxProperties inbox;
    private final Counter received;

    NotificationEndpoint(NotificationIntake intake, PmpVerifier verifier, DiscoveryClient discovery,
            PullmailProperties pullmail, IntakeLimits limits, InboxProperties inbox, MeterRegistry meters) {
        this.intake = intake;
        this.verifier = verifier;
        this.discovery = discovery;
        this.pullmail = pullmail;
        this.limits = limits;
        this.inbox = inbox;
        this.received = meters.counter("pullmail.notifications.received"); // exported from the start, at zero
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        if (!"POST".equals(request.getMethod()) || !Pmp.NOTIFY_PATH.equals(request.getRequestURI())) {
            chain.doFilter(req, res);
            return;
        }
        try {
            byte[] receipt = receive(request).getBytes(StandardCharsets.UTF_8);
            response.setStatus(200);
            response.setContentType("application/json");
            response.setContentLength(receipt.length);
            response.getOutputStream().write(receipt);
        } catch (ProtocolException e) {
            ProblemType type = e.type();
            Duration retryAfter = e.retryAfter() != null ? e.retryAfter()
                    : type == ProblemType.TEMPORARILY_UNAVAILABLE ? Duration.ofSeconds(2) : null;
            ProblemResponses.write(response, type.status(), type.slug(), type.title(), e.detail(), retryAfter);
        } catch (ApiProblem e) {
            ProblemResponses.write(response, e.status().value(), e.type().toString().substring(ProblemType.BASE.length()),
                    e.title(), e.getMessage(), e.retryAfter());
        } catch (DataAccessResourceFailureException | TransientDataAccessException | CannotCreateTransactionException e) {
            log.warn("unavailable: {}", e.toString());
            ProblemResponses.write(response, 503, "unavailable", "Unavailable",
                    "a part of this domain is briefly unavailable; try again later", Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.error("unexpected error", e);
            ProblemResponses.write(response, 500, "internal", "Internal error", "the server failed; the failure is logged",
                    null);
        }
    }

    private String receive(HttpServletRequest request) throws ProtocolException {
        if (!Pmp.isJson(request.getContentType())) {
            throw new ProtocolException(ProblemType.UNSUPPORTED_MEDIA_TYPE, "a notification is application/json");
        }
        String client = IncomingRequests.clientAddress(request);
        // an address or a domain known to be over its limit is refused before any work: what protects the
        // verifier from floods
        limits.refuseIfKnownOver(IntakeLimits.SENDER_IP, client, inbox.limits().perSenderIp());
        intake.verifying(+1);
        Notification notification = null;
        boolean signed = false;
        try {
            byte[] body = readAtMost(request, Pmp.MAX_NOTIFICATION_BYTES);
            notification = PmpJson.readNotification(body);
            // the domain of from; for mail bridged from SMTP, this domain's own bridge (PROTOCOL.md 3.6)
            String signer = notification.signingDomain(pullmail.domain());
            verifier.verify(IncomingRequests.view(request, pullmail.notifyUrl()), body, SignatureProfile.NOTIFICATION,
                    kid -> discovery.key(signer, kid));
            signed = true;
            checkAfterSignature(notification);
        } catch (ProtocolException | RuntimeException e) {
            intake.verifying(-1);
            // refused before it reached the intake: it counts all the same, against its client address and,
            // once the signature proved it, its domain
            limits.countUnverified(client, signed && notification.senderProven() ? notification.senderDomain() : null);
            throw e;
        }
        // the limits themselves are counted with the batch that stores it (which ends the count of verifying)
        String receipt = intake.receive(notification, client);
        received.increment();
        return receipt;
    }

    /** The checks of PROTOCOL.md 3.3 after the signature's, in their order (the limits' own count is the batch's). */
    private void checkAfterSignature(Notification notification) throws ProtocolException {
        if (notification.senderProven()) {
            limits.refuseIfKnownOver(IntakeLimits.SENDER_DOMAIN, notification.senderDomain(),
                    inbox.limits().perSenderDomain());
        }
        DiscoveryDocument signer = discovery.discover(notification.signingDomain(pullmail.domain()));
        if (!signer.isUnderFetchBase(notification.fetchUrl())) {
            throw new ProtocolException(ProblemType.FETCH_URL_OUTSIDE_BASE, "fetch_url must lie under " + signer.fetchBase());
        }
        // one answer for a list wholly in another domain and for one that mixes domains
        if (!notification.allRecipientsIn(pullmail.domain())) {
            throw new ProtocolException(ProblemType.FOREIGN_RECIPIENT,
                    "this is " + pullmail.domain() + ": every recipient of a notification to it must be in it");
        }
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
