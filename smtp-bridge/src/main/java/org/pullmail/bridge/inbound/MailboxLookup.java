package org.pullmail.bridge.inbound;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.pullmail.bridge.config.BridgeProperties;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.InternalApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Asks the domain's inbox at {@code RCPT TO} whether mail to an address reaches a mailbox
 * ({@code GET /internal/v1/mailboxes/{address}}), so that mail for nobody is refused there instead of accepted and
 * bounced later (no backscatter). The inbox matches the local part regardless of case and answers the address as it
 * knows it ({@code Bob@beta.test} is {@code bob@beta.test}), which is the one the bridge notifies.
 */
@Component
class MailboxLookup {

    private static final Logger log = LoggerFactory.getLogger(MailboxLookup.class);

    /** What the inbox said about an address. */
    sealed interface Answer permits Mailbox, NoMailbox, CannotTell {
    }

    /** Mail to it reaches a mailbox; {@code address} is the recipient as the inbox knows it. */
    record Mailbox(String address) implements Answer {
    }

    record NoMailbox() implements Answer {
    }

    record CannotTell() implements Answer {
    }

    /** The inbox's answer body. */
    record Recipient(String address, String mailbox) {
    }

    private final HttpClient http;
    private final InternalApi internal;
    private final BridgeProperties bridge;

    MailboxLookup(HttpClient http, InternalApi internal, BridgeProperties bridge) {
        this.http = http;
        this.internal = internal;
        this.bridge = bridge;
    }

    /**
     * 200: a mailbox; the inbox's 404 for the mailbox, or its 400 for an address not of the domain: none, for good
     * ({@code 550 5.1.1}); anything else (a wrong secret, a wrong URL, 408, 429, 5xx, no answer): cannot tell now
     * ({@code 451}, the client tries again).
     */
    Answer lookup(String address) {
        String base = bridge.inboxUrl().toString().replaceAll("/+$", "");
        String uri = base + "/internal/v1/mailboxes/" + URLEncoder.encode(address, StandardCharsets.UTF_8);
        try {
            HttpResponse<byte[]> response = http.send(internal.request(uri).timeout(bridge.lookupTimeout()).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            int status = response.statusCode();
            if (status == 200) {
                return mailbox(address, response.body());
            }
            // only the inbox's own answer that there is no such mailbox (404 not-found "mailbox for …"), or that the
            // address is none of the domain's (400), refuses for good: a wrong secret (401) or a wrong inbox-url
            // (another service's 404) must not bounce every message, only delay it while an operator looks
            String body = new String(response.body(), StandardCharsets.UTF_8);
            if ((status == 404 && body.contains("/problems/not-found") && body.contains("mailbox for"))
                    || (status == 400 && body.contains("/problems/invalid-request"))) {
                return new NoMailbox();
            }
            log.error("the inbox answered {} when asked for the mailbox of {} (check pullmail.bridge.inbox-url and the"
                    + " internal secret): {}", status, address, body.length() > 300 ? body.substring(0, 300) : body);
            return new CannotTell();
        } catch (IOException e) {
            log.warn("cannot ask the inbox for the mailbox of {}: {}", address, e.toString());
            return new CannotTell();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new CannotTell();
        }
    }

    /** The address the inbox answered, when it is the asked one but for the case of its local part. */
    private static Answer mailbox(String asked, byte[] body) {
        try {
            Recipient recipient = PmpJson.read(body, Recipient.class, ProblemType.MALFORMED_REQUEST);
            String known = recipient.address();
            if (known != null && Addresses.isValid(known)
                    && known.toLowerCase(Locale.ROOT).equals(asked.toLowerCase(Locale.ROOT))) {
                return new Mailbox(known);
            }
            log.warn("the inbox answered the mailbox of {} for {}", known, asked);
            return new CannotTell();
        } catch (ProtocolException e) {
            log.warn("the inbox's answer for the mailbox of {} cannot be read: {}", asked, e.detail());
            return new CannotTell();
        }
    }
}
