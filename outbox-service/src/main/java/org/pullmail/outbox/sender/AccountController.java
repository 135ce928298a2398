package org.pullmail.outbox.sender;

import java.net.URI;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

import org.pullmail.outbox.OutboxProperties;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.service.ApiProblem;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * An account's sending side: its limits and storage, whether it keeps sent copies, its delivery
 * webhook; and, for admins, each account's limits.
 */
@RestController
class AccountController {

    record Account(String address, SenderAccount.Limits limits, long storedBytes) {
    }

    record Settings(Boolean keepSentCopies) {
    }

    /** Limits an admin sets for one account; a null member returns that limit to the domain's default. */
    record LimitsUpdate(Integer messagesPerHour, Integer messagesPerDay, Integer recipients, Long quotaBytes) {
    }

    record WebhookRequest(String url) {
    }

    /** {@code secret} signs every event: HMAC-SHA256 over "{timestamp}.{body}", hex, in Pullmail-Signature. */
    record Webhook(String url, String secret) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    /** A host whose last label is a number, which URL parsers read as an IPv4 address in some notation. */
    private static final Pattern NUMERIC_LAST_LABEL = Pattern.compile("(?:.*\\.)?(?:[0-9]+|0x[0-9a-f]*)");
    private static final Pattern DOTTED_QUAD = Pattern.compile(
            "(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");

    private final JdbcClient jdbc;
    private final SenderAccount accounts;
    private final OutboxProperties outbox;

    AccountController(JdbcClient jdbc, SenderAccount accounts, OutboxProperties outbox) {
        this.jdbc = jdbc;
        this.accounts = accounts;
        this.outbox = outbox;
    }

    @GetMapping("/api/v1/outbox/account")
    Account account(@AuthenticationPrincipal Jwt user) {
        return view(user.getSubject());
    }

    @PutMapping("/api/v1/outbox/account/settings")
    Account settings(@AuthenticationPrincipal Jwt user, @RequestBody Settings settings) {
        accounts.of(user.getSubject());
        jdbc.sql("UPDATE sender SET keep_sent_copies = ? WHERE address = ?")
                .params(settings.keepSentCopies(), user.getSubject()).update();
        return view(user.getSubject());
    }

    @PutMapping("/api/v1/outbox/webhook")
    Webhook setWebhook(@AuthenticationPrincipal Jwt user, @RequestBody WebhookRequest request) {
        accounts.of(user.getSubject());
        URI url;
        try {
            url = URI.create(request.url() == null ? "" : request.url());
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalid("url must be an absolute http(s) URL");
        }
        if (!url.isAbsolute() || url.getHost() == null
                || !("https".equals(url.getScheme()) || "http".equals(url.getScheme()))) {
            throw ApiProblem.invalid("url must be an absolute http(s) URL");
        }
        requireReachable(url);
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String hex = HexFormat.of().formatHex(secret);
        jdbc.sql("""
                INSERT INTO webhook (sender, url, secret) VALUES (?, ?, ?)
                ON CONFLICT (sender) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret, created_at = now()""")
                .params(user.getSubject(), url.toString(), hex).update();
        return new Webhook(url.toString(), hex);
    }

    @DeleteMapping("/api/v1/outbox/webhook")
    ResponseEntity<Void> removeWebhook(@AuthenticationPrincipal Jwt user) {
        if (jdbc.sql("DELETE FROM webhook WHERE sender = ?").param(user.getSubject()).update() == 0) {
            throw ApiProblem.notFound("webhook");
        }
        return ResponseEntity.noContent().build();
    }

    /** An address without an outbox here is not found (for the account itself it is "cannot send", 403). */
    @GetMapping("/api/v1/admin/outbox/accounts/{address}")
    Account adminView(@PathVariable String address) {
        return view(address, existing(address));
    }

    @PutMapping("/api/v1/admin/outbox/accounts/{address}/limits")
    @Transactional
    Account setLimits(@PathVariable String address, @RequestBody LimitsUpdate limits) {
        if (!Addresses.isValid(address)) {
            throw ApiProblem.invalid("not an address: " + address);
        }
        existing(address);
        for (Number n : new Number[] {limits.messagesPerHour(), limits.messagesPerDay(), limits.recipients(),
                limits.quotaBytes()}) {
            if (n != null && n.longValue() < 0) {
                throw ApiProblem.invalid("limits are not negative");
            }
        }
        jdbc.sql("""
                UPDATE sender SET max_messages_per_hour = ?, max_messages_per_day = ?, max_recipients = ?, quota_bytes = ?
                WHERE address = ?""")
                .params(limits.messagesPerHour(), limits.messagesPerDay(), limits.recipients(), limits.quotaBytes(),
                        address)
                .update();
        return view(address);
    }

    /**
     * A webhook must not turn the outbox into a client of the domain's internal network (SSRF). Its
     * deliveries check every address again, and connect to the ones they checked (WebhookRelay).
     */
    private void requireReachable(URI url) {
        String host = url.getHost().toLowerCase(Locale.ROOT);
        if (NUMERIC_LAST_LABEL.matcher(host).matches() && !DOTTED_QUAD.matcher(host).matches()) {
            // 0177.0.0.1 is 177.0.0.1 to Java and 127.0.0.1 to other parsers: no address is written so
            throw ApiProblem.invalid("write the webhook's IPv4 address as four decimal numbers, or use a name");
        }
        if (outbox.webhooksMayReachPrivateAddresses()) {
            return;
        }
        try {
            DiscoveryClient.requirePublicHost(url.getHost());
        } catch (ProtocolException e) {
            throw ApiProblem.invalid("the webhook's host must resolve to public addresses only");
        }
    }

    private SenderAccount.Limits existing(String address) {
        return accounts.find(address).orElseThrow(() -> ApiProblem.notFound("account " + address));
    }

    private Account view(String address) {
        return view(address, accounts.of(address));
    }

    private Account view(String address, SenderAccount.Limits limits) {
        return new Account(address, limits, accounts.storedBytes(address));
    }
}
