package org.pullmail.notifier.queue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.pullmail.notifier.NotifierProperties;
import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.discovery.DiscoveryBusyException;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.discovery.NoDiscoveryDocumentException;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.peer.PeerClient;
import org.pullmail.protocol.peer.PeerRequest;
import org.pullmail.protocol.peer.PeerResponse;
import org.pullmail.service.Backoff;
import org.pullmail.service.DomainKeys;
import org.pullmail.service.InternalApi;
import org.pullmail.service.QueueLease;
import org.pullmail.service.WorkLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import jakarta.annotation.PreDestroy;

/**
 * Sends due notifications: discovers the recipient domain, signs with the domain key, POSTs to its
 * notify_url. Work is claimed with {@code FOR UPDATE SKIP LOCKED} and leased, so any number of
 * replicas share the queue; network calls run outside transactions. Failures are retried with
 * exponential backoff and full jitter until the notification's lifetime runs out.
 * <p>
 * A slow recipient domain holds only its own notifications: every exchange has a deadline
 * ({@link PeerClient}), a worker that frees up claims the next notification at once, and at most
 * {@code per-domain} notifications to one domain are in flight (the rest stay queued, unleased).
 * <p>
 * A recipient domain that publishes no PMP/1 document at all ({@link NoDiscoveryDocumentException}) is an SMTP
 * domain: when the domain runs an SMTP bridge ({@code pullmail.notifier.bridge-url}), the notification is handed
 * to it, and once the bridge has taken it, it counts as sent with every recipient accepted. The bridge reports
 * each recipient's SMTP result to the outbox itself. A failure to reach the bridge is retried like any.
 */
@Component
class NotificationSender {

    private static final Logger log = LoggerFactory.getLogger(NotificationSender.class);
    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final QueueLease QUEUE = new QueueLease("notification", "uuid", "next_attempt_at", "attempts");
    /** A receipt names each recipient once: 100 recipients fit in a small part of this. */
    private static final int MAX_RECEIPT_BYTES = 64 * 1024;

    record Claimed(UUID id, String messageId, String recipientDomain, String payload, int attempts,
            Instant giveUpAt, Instant createdAt) {
    }

    /**
     * What the SMTP bridge takes over ({@code POST {bridge-url}/internal/v1/outbound}): the notification and the
     * outbox's message it announces, whose bytes the bridge fetches from the outbox.
     */
    record BridgeHandover(String messageId, Notification notification) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final PeerClient http;
    private final DiscoveryClient discovery;
    private final DomainKeys keys;
    private final NotifierProperties notifier;
    private final Backoff retries;
    private final Clock clock;
    private final Counter sent;
    private final Counter failed;
    private final Counter retried;
    private final Counter bridged;
    private final HttpClient local;
    private final InternalApi internal;
    private final WorkLoop<Claimed> loop;

    NotificationSender(JdbcClient jdbc, TransactionTemplate tx, PeerClient http, DiscoveryClient discovery,
            DomainKeys keys, NotifierProperties notifier, Clock clock,
            MeterRegistry meters, HttpClient local, InternalApi internal) {
        this.sent = meters.counter("pullmail.notifications.sent");
        this.bridged = meters.counter("pullmail.notifications.bridged");
        this.local = local;
        this.internal = internal;
        this.failed = meters.counter("pullmail.notifications.failed");
        this.retried = meters.counter("pullmail.notifications.retried");
        Gauge.builder("pullmail.queue.depth", jdbc,
                        j -> j.sql("SELECT count(*) FROM notification WHERE state = 'pending'").query(Long.class).single())
                .description("notifications waiting to be sent or retried").register(meters);
        this.jdbc = jdbc;
        this.tx = tx;
        this.http = http;
        this.discovery = discovery;
        this.keys = keys;
        this.notifier = notifier;
        this.retries = new Backoff(notifier.retryInitial(), notifier.retryMax());
        this.clock = clock;
        this.loop = WorkLoop.borrowing("notification-sender", notifier.senders(), notifier.perDomain(),
                Claimed::recipientDomain, this::claim, this::send);
    }

    @Scheduled(fixedDelayString = "${pullmail.notifier.poll-interval:PT0.2S}")
    void sendDue() {
        loop.nudge();
    }

    /** Sends what was just queued now rather than at the next poll. */
    void nudge() {
        loop.nudge();
    }

    @PreDestroy
    void stop() {
        loop.close();
    }

    /**
     * Due notifications, oldest first, at most {@code per-domain} per recipient domain and none for a
     * domain whose slots are all taken; only those the loop admits are leased.
     */
    private List<Claimed> claim(WorkLoop.Slots<Claimed> slots) {
        Instant now = clock.instant();
        return tx.execute(status -> {
            // a queue claim with SKIP LOCKED, per recipient domain, on every poll: hence JdbcClient
            List<Claimed> candidates = jdbc.sql("""
                    SELECT id, message_id, recipient_domain, payload, attempts, give_up_at, created_at FROM notification
                    WHERE id IN (
                        SELECT id FROM (
                            SELECT id, row_number() OVER (PARTITION BY recipient_domain ORDER BY next_attempt_at) AS nth
                            FROM (SELECT id, recipient_domain, next_attempt_at FROM notification
                                  WHERE state = 'pending' AND next_attempt_at <= ?
                                    AND NOT (recipient_domain = ANY (?))
                                  ORDER BY next_attempt_at LIMIT ?) due) ranked
                        WHERE nth <= ?)
                      -- checked again on the locked row: another replica may have leased it meanwhile
                      AND state = 'pending' AND next_attempt_at <= ?
                    ORDER BY next_attempt_at FOR UPDATE SKIP LOCKED""")
                    .params(Timestamp.from(now), slots.fullPeers().toArray(String[]::new), slots.candidates(), slots.perPeer(),
                            Timestamp.from(now))
                    .query((rs, n) -> new Claimed(rs.getObject("id", UUID.class), rs.getString("message_id"),
                            rs.getString("recipient_domain"),
                            rs.getString("payload"), rs.getInt("attempts"), rs.getTimestamp("give_up_at").toInstant(),
                            rs.getTimestamp("created_at").toInstant()))
                    .list();
            List<Claimed> claimed = new ArrayList<>();
            Map<UUID, Instant> leases = new LinkedHashMap<>();
            for (Claimed c : candidates) {
                if (slots.free() == 0) {
                    break;
                }
                if (slots.admit(c)) {
                    leases.put(c.id(), now.plus(LEASE));
                    claimed.add(c);
                }
            }
            QUEUE.lease(jdbc, leases);
            return claimed;
        });
    }

    void send(Claimed n) {
        PeerResponse response;
        try {
            DiscoveryDocument domain = discovery.discover(n.recipientDomain());
            URI notifyUrl = URI.create(domain.notifyUrl());
            PeerRequest request = keys.signer().request("POST", notifyUrl, Map.of("Content-Type", Pmp.MEDIA_TYPE_JSON),
                    n.payload().getBytes(StandardCharsets.UTF_8), SignatureProfile.NOTIFICATION);
            // the connection goes only to addresses that passed the SSRF check (PROTOCOL.md 8.2)
            response = http.exchange(request, MAX_RECEIPT_BYTES);
        } catch (NoDiscoveryDocumentException e) {
            if (notifier.bridgeUrl() != null) {
                handOverToBridge(n);
            } else {
                retry(n, "discovery of " + n.recipientDomain() + " failed: " + e.detail(), null);
            }
            return;
        } catch (ProtocolException e) {
            if (unreachableLongEnough(n, e)) {
                // PROTOCOL.md 2.6: many domains that take mail serve no web site; one silent this long goes by SMTP
                log.info("discovery of {} has failed for {} and more; handing notification {} to the SMTP bridge: {}",
                        n.recipientDomain(), notifier.smtpFallbackAfter(), n.id(), e.detail());
                handOverToBridge(n);
                return;
            }
            retry(n, "discovery of " + n.recipientDomain() + " failed: " + e.detail(), null);
            return;
        } catch (IOException e) {
            retry(n, "cannot reach " + n.recipientDomain() + ": " + e, null);
            return;
        }
        int status = response.status();
        if (status == 200 && response.truncated()) {
            retry(n, n.recipientDomain() + " answered with a receipt over " + MAX_RECEIPT_BYTES + " bytes", null);
        } else if (status == 200) {
            markSent(n, response.text());
        } else if (status == 429 || status >= 500 || (status == 401 && response.text().contains("unknown-key"))) {
            Duration retryAfter = response.header("Retry-After").map(Backoff::retryAfter).orElse(null);
            retry(n, n.recipientDomain() + " answered " + status + ": " + abbreviate(response.text()), retryAfter);
        } else {
            fail(n, n.recipientDomain() + " refused the notification (" + status + "): " + abbreviate(response.text()));
        }
    }

    /**
     * A bridge runs, the domain was really asked and failed (not a discovery this notifier put off while busy), this
     * notification failed before too (one failure after a backlog is not an hour of them), and it has waited
     * {@code smtp-fallback-after} since it was queued.
     */
    private boolean unreachableLongEnough(Claimed n, ProtocolException failure) {
        return notifier.bridgeUrl() != null && !(failure instanceof DiscoveryBusyException) && n.attempts() >= 1
                && !clock.instant().isBefore(n.createdAt().plus(notifier.smtpFallbackAfter()));
    }

    /**
     * Hands the notification to this domain's SMTP bridge; its 2xx makes the notification sent with a receipt
     * that accepts every recipient, so the outbox's deliveries become notified and wait for the bridge's results.
     */
    private void handOverToBridge(Claimed n) {
        String where = notifier.bridgeUrl() + "/internal/v1/outbound";
        Notification notification;
        try {
            notification = PmpJson.readNotification(n.payload().getBytes(StandardCharsets.UTF_8));
        } catch (ProtocolException e) {
            fail(n, "the notification cannot be handed to the SMTP bridge: " + e.detail());
            return;
        }
        HttpResponse<String> response;
        try {
            response = local.send(internal.request(where).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(PmpJson.write(new BridgeHandover(n.messageId(),
                            notification)))).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            retry(n, n.recipientDomain() + " has no PMP/1 document; cannot reach the SMTP bridge: " + e, null);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            retry(n, "interrupted while handing over to the SMTP bridge", null);
            return;
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            List<NotificationReceipt.RecipientOutcome> all = notification.recipients().stream()
                    .map(r -> new NotificationReceipt.RecipientOutcome(r.address(), NotificationReceipt.Outcome.ACCEPTED))
                    .toList();
            markSent(n, PmpJson.writeString(new NotificationReceipt(notification.id(), all)));
            bridged.increment();
            log.info("notification {} to {}: no PMP/1 document there, handed to the SMTP bridge", n.id(),
                    n.recipientDomain());
        } else if (status == 429 || status >= 500) {
            retry(n, "the SMTP bridge answered " + status + ": " + abbreviate(response.body()), null);
        } else {
            fail(n, "the SMTP bridge refused the notification (" + status + "): " + abbreviate(response.body()));
        }
    }

    private void markSent(Claimed n, String receipt) {
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.sql("""
                UPDATE notification SET state = 'sent', sent_at = ?, payload = NULL, receipt = ?, last_error = NULL,
                       report_due = true, report_next_at = ?
                WHERE id = ?""").params(now, receipt, now, n.id()).update();
        sent.increment();
    }

    private void retry(Claimed n, String error, Duration retryAfter) {
        Duration backoff = retries.after(n.attempts() + 1, retryAfter);
        Instant next = clock.instant().plus(backoff);
        if (next.isAfter(n.giveUpAt())) {
            fail(n, "gave up after " + (n.attempts() + 1) + " attempts; last: " + error);
            return;
        }
        retried.increment();
        log.info("notification {} to {}: attempt {} failed, retrying in {}: {}", n.id(), n.recipientDomain(),
                n.attempts() + 1, backoff, error);
        jdbc.sql("UPDATE notification SET next_attempt_at = ?, last_error = ? WHERE id = ?")
                .params(Timestamp.from(next), error, n.id()).update();
    }

    /** Failed notifications keep their payload so an admin can resend them; it is purged after a week. */
    private void fail(Claimed n, String error) {
        log.warn("notification {} to {} failed: {}", n.id(), n.recipientDomain(), error);
        failed.increment();
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.sql("""
                UPDATE notification SET state = 'failed', failed_at = ?, last_error = ?,
                       report_due = true, report_next_at = ?
                WHERE id = ?""").params(now, error, now, n.id()).update();
    }


    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
