package org.pullmail.bridge.legacy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.pullmail.bridge.inbound.ClientLimits;
import org.pullmail.bridge.config.BridgeProperties;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.NotificationBatches;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.ReplyHint;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.HttpSignatures;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.DomainKeys;
import org.pullmail.service.PullmailProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Announces a kept legacy message to this domain's own inbox (PROTOCOL.md 3.6): a notification with {@code bridged},
 * signed with the bridge's key for the domain's public notify URL (as the inbox verifies it) but posted straight to
 * the inbox, with the SMTP client's address in {@code X-Pullmail-Client} so that the inbox's per-address limit counts
 * the client, not the bridge. The receipt decides the SMTP answer.
 */
@Component
public class InboxNotifications {

    private static final Logger log = LoggerFactory.getLogger(InboxNotifications.class);

    /** What the inbox said. */
    public sealed interface Answer {
    }

    /** Receipts for every notification: each recipient's outcome. */
    public record Received(Map<String, NotificationReceipt.Outcome> outcomes) implements Answer {
    }

    /**
     * No receipt. {@code rateLimited}: the inbox answered 429; {@code perhapsStored}: a receipt may have been written
     * although none came back (a timeout after sending, or an earlier notification of the same message accepted), so
     * the kept message must stay for its fetch.
     */
    public record NotReceived(String why, boolean rateLimited, boolean perhapsStored) implements Answer {
    }

    private final HttpClient http;
    private final DomainKeys keys;
    private final PullmailProperties pullmail;
    private final BridgeProperties bridge;

    InboxNotifications(HttpClient http, DomainKeys keys, PullmailProperties pullmail, BridgeProperties bridge) {
        this.http = http;
        this.keys = keys;
        this.pullmail = pullmail;
        this.bridge = bridge;
    }

    /** The URL the inbox fetches {@code message} from: under this domain's fetch_base, served by the bridge. */
    public String fetchUrl(LegacyMessages.Kept message) {
        return pullmail.fetchBase() + FetchController.SMTP_SEGMENT + "/" + message.id();
    }

    /**
     * Notifies the inbox of {@code message}, whose recipients carry {@code tokens}; with reply hints for the
     * Message-IDs it refers to. Several notifications when the recipients do not fit one.
     */
    public Answer notify(LegacyMessages.Kept message, Map<String, String> tokens, List<String> referencedIds,
            String clientIp) {
        List<Notification.Recipient> recipients = new ArrayList<>();
        for (String address : message.recipients()) {
            List<String> hints = referencedIds.stream().map(id -> ReplyHint.of(id, address)).toList();
            recipients.add(new Notification.Recipient(address, tokens.get(address), hints.isEmpty() ? null : hints));
        }
        Notification whole = new Notification(message.notificationId(), message.from(), List.of(), message.subject(),
                message.size(), message.digest(), fetchUrl(message), message.createdAt(), message.expiresAt(),
                message.bridged());
        Map<String, NotificationReceipt.Outcome> outcomes = new LinkedHashMap<>();
        boolean someAccepted = false;
        for (Notification notification : NotificationBatches.split(whole, recipients)) {
            Answer answer = send(notification, clientIp);
            if (answer instanceof Received received) {
                outcomes.putAll(received.outcomes());
                someAccepted = true;
            } else {
                NotReceived failed = (NotReceived) answer;
                return new NotReceived(failed.why(), failed.rateLimited(), failed.perhapsStored() || someAccepted);
            }
        }
        return new Received(outcomes);
    }

    private Answer send(Notification notification, String clientIp) {
        byte[] body = PmpJson.write(notification);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", Pmp.MEDIA_TYPE_JSON);
        headers.put("Content-Digest", ContentDigest.sha256(body));
        // signed for the public notify URL, which is what the inbox reconstructs as @target-uri
        HttpRequestView view = new HttpRequestView("POST", pullmail.notifyUrl());
        headers.forEach(view::header);
        HttpSignatures.SignatureFields signature = keys.signer().sign(view, SignatureProfile.NOTIFICATION);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base(bridge.inboxUrl()) + Pmp.NOTIFY_PATH))
                .timeout(bridge.notifyTimeout())
                .header(HttpSignatures.SIGNATURE_INPUT, signature.signatureInput())
                .header(HttpSignatures.SIGNATURE, signature.signature())
                // the client as the bridge's own limits count it: an IPv6 client by its /64
                .header("X-Pullmail-Client", ClientLimits.clientOf(clientIp))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            return new NotReceived("the inbox cannot be reached: " + e, false, false);
        } catch (IOException e) {
            return new NotReceived("no receipt from the inbox: " + e, false, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new NotReceived("interrupted while waiting for the inbox", false, true);
        }
        int status = response.statusCode();
        if (status == 200) {
            try {
                NotificationReceipt receipt = PmpJson.read(response.body(), NotificationReceipt.class,
                        ProblemType.MALFORMED_REQUEST);
                Map<String, NotificationReceipt.Outcome> outcomes = new HashMap<>();
                notification.recipients().forEach(r -> outcomes.put(r.address(), NotificationReceipt.Outcome.ACCEPTED));
                if (receipt.recipients() != null) {
                    // an entry for an address not notified is ignored; one not listed counts as accepted (3.4)
                    receipt.recipients().stream().filter(r -> r != null && outcomes.containsKey(r.address())
                                    && r.outcome() != null)
                            .forEach(r -> outcomes.put(r.address(), r.outcome()));
                }
                return new Received(outcomes);
            } catch (ProtocolException e) {
                // a 200 is a stored notification whatever its body says: treated like accepted (PROTOCOL.md 3.4)
                Map<String, NotificationReceipt.Outcome> outcomes = new HashMap<>();
                notification.recipients().forEach(r -> outcomes.put(r.address(), NotificationReceipt.Outcome.ACCEPTED));
                return new Received(outcomes);
            }
        }
        String text = new String(response.body(), StandardCharsets.UTF_8);
        if (status != 429 && status < 500) {
            // not the SMTP client's doing: this domain's wiring (the bridge's keys unpublished, say); the client retries
            log.warn("the inbox refused notification {} with {}: {}", notification.id(), status, abbreviate(text));
        }
        return new NotReceived("the inbox answered " + status, status == 429, false);
    }

    private static String base(URI uri) {
        String s = uri.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
