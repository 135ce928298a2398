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
     * 200: a mailbox; 404 or another refusal of the address (4xx): none, for good ({@code 550 5.1.1}); 408, 429, 5xx
     * or no answer: cannot tell now ({@code 451}, the client tries again).
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
            if (status == 408 || status == 429 || status >= 500 || status < 400) {
                log.warn("the inbox answered {} when asked for the mailbox of {}", status, address);
                return new CannotTell();
            }
            if (status != 404) {
                log.warn("the inbox refused to look up the mailbox of {} with {}", address, status);
            }
            return new NoMailbox();
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
