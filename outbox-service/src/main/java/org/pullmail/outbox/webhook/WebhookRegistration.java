package org.pullmail.outbox.webhook;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

import org.pullmail.outbox.OutboxProperties;
import org.pullmail.outbox.sender.SenderAccount;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.service.ApiProblem;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Registers and removes an account's delivery webhook. A webhook must not turn the outbox into a client of
 * the domain's internal network (SSRF): its host is checked here, and every delivery checks it again and
 * connects to the addresses it checked ({@link WebhookRelay}).
 */
@Service
class WebhookRegistration {

    /** What the account gets once: {@code secret} signs every event (HMAC-SHA256 over "{timestamp}.{body}", hex). */
    record RegisteredWebhook(String url, String secret) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    /** A host whose last label is a number, which URL parsers read as an IPv4 address in some notation. */
    private static final Pattern NUMERIC_LAST_LABEL = Pattern.compile("(?:.*\\.)?(?:[0-9]+|0x[0-9a-f]*)");
    private static final Pattern DOTTED_QUAD = Pattern.compile(
            "(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");

    private final WebhookRepository webhooks;
    private final SenderAccount accounts;
    private final TransactionTemplate tx;
    private final OutboxProperties outbox;
    private final Clock clock;

    WebhookRegistration(WebhookRepository webhooks, SenderAccount accounts, TransactionTemplate tx,
            OutboxProperties outbox, Clock clock) {
        this.webhooks = webhooks;
        this.accounts = accounts;
        this.tx = tx;
        this.outbox = outbox;
        this.clock = clock;
    }

    /**
     * Points the account's webhook at {@code url} with a new secret. The host is resolved before the
     * transaction: no DNS lookup holds the account's row.
     */
    RegisteredWebhook register(String sender, String url) {
        accounts.of(sender);
        URI checked = reachable(url);
        String secret = newSecret();
        return tx.execute(s -> {
            // the account's row, locked: two registrations at once end with one webhook, the later one
            accounts.lock(sender);
            webhooks.findById(sender).ifPresentOrElse(
                    webhook -> webhook.replace(checked.toString(), secret, clock.instant()),
                    () -> webhooks.save(new Webhook(sender, checked.toString(), secret, clock.instant())));
            return new RegisteredWebhook(checked.toString(), secret);
        });
    }

    @Transactional
    void remove(String sender) {
        if (webhooks.remove(sender) == 0) {
            throw ApiProblem.notFound("webhook");
        }
    }

    /** An absolute http(s) URL whose host is public (unless this domain lets webhooks reach private addresses). */
    private URI reachable(String url) {
        URI uri;
        try {
            uri = URI.create(url == null ? "" : url);
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalid("url must be an absolute http(s) URL");
        }
        if (!uri.isAbsolute() || uri.getHost() == null
                || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
            throw ApiProblem.invalid("url must be an absolute http(s) URL");
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (NUMERIC_LAST_LABEL.matcher(host).matches() && !DOTTED_QUAD.matcher(host).matches()) {
            // 0177.0.0.1 is 177.0.0.1 to Java and 127.0.0.1 to other parsers: no address is written so
            throw ApiProblem.invalid("write the webhook's IPv4 address as four decimal numbers, or use a name");
        }
        if (!outbox.webhooksMayReachPrivateAddresses()) {
            try {
                DiscoveryClient.requirePublicHost(uri.getHost());
            } catch (ProtocolException e) {
                throw ApiProblem.invalid("the webhook's host must resolve to public addresses only");
            }
        }
        return uri;
    }

    private static String newSecret() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return HexFormat.of().formatHex(secret);
    }
}
