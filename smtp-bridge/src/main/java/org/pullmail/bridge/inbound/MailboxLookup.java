package org.pullmail.bridge.inbound;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.pullmail.bridge.config.BridgeProperties;
import org.pullmail.service.InternalApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Asks the domain's inbox at {@code RCPT TO} whether mail to an address reaches a mailbox
 * ({@code GET /internal/v1/mailboxes/{address}}), so that mail for nobody is refused there instead of accepted and
 * bounced later (no backscatter).
 */
@Component
class MailboxLookup {

    private static final Logger log = LoggerFactory.getLogger(MailboxLookup.class);

    enum Answer { MAILBOX, NO_MAILBOX, CANNOT_TELL }

    private final HttpClient http;
    private final InternalApi internal;
    private final BridgeProperties bridge;

    MailboxLookup(HttpClient http, InternalApi internal, BridgeProperties bridge) {
        this.http = http;
        this.internal = internal;
        this.bridge = bridge;
    }

    Answer lookup(String address) {
        String base = bridge.inboxUrl().toString().replaceAll("/+$", "");
        String uri = base + "/internal/v1/mailboxes/" + URLEncoder.encode(address, StandardCharsets.UTF_8);
        try {
            HttpResponse<Void> response = http.send(internal.request(uri).timeout(bridge.lookupTimeout()).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            return switch (response.statusCode()) {
                case 200 -> Answer.MAILBOX;
                case 404 -> Answer.NO_MAILBOX;
                default -> {
                    log.warn("the inbox answered {} when asked for the mailbox of {}", response.statusCode(), address);
                    yield Answer.CANNOT_TELL;
                }
            };
        } catch (IOException e) {
            log.warn("cannot ask the inbox for the mailbox of {}: {}", address, e.toString());
            return Answer.CANNOT_TELL;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.CANNOT_TELL;
        }
    }
}
