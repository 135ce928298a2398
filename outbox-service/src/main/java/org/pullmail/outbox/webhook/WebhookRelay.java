package org.pullmail.outbox.webhook;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.micrometer.core.instrument.binder.httpcomponents.hc5.ObservationExecChainHandler;
import io.micrometer.observation.ObservationRegistry;

import org.pullmail.outbox.OutboxProperties;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.protocol.peer.NonPublicAddressException;
import org.pullmail.protocol.peer.PeerClient;
import org.pullmail.protocol.peer.PeerPolicy;
import org.pullmail.protocol.peer.PeerRequest;
import org.pullmail.protocol.peer.PeerResponse;
import org.pullmail.service.Backoff;
import org.pullmail.service.QueueLease;
import org.pullmail.service.WorkLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Delivers delivery events (each state change, recorded by a trigger in the transaction that made it)
 * to the account's webhook, signed with HMAC-SHA256, at least once, retried with exponential backoff
 * for up to a day. Receivers deduplicate on the event id.
 *
 * <p>A webhook URL is the user's, so the outbox must not become the user's client inside the domain's
 * network (SSRF): unless {@code pullmail.outbox.webhooks-may-reach-private-addresses} allows it, every
 * delivery resolves the host, refuses it when any address is loopback, private, link-local or a cloud
 * metadata address, and connects to exactly the addresses it checked. A name that was public when the
 * webhook was registered and resolves privately now (DNS rebinding) is refused at that delivery.
 *
 * <p>Calls run on {@value #WORKERS} workers of their own, one of an account's events at a time in each replica:
 * a receiver that answers slowly holds one worker for at most its deadline and delays only its own account's
 * events, never the scheduler thread the outbox's other periodic work shares. Events go oldest first, but a
 * retried one may arrive after newer ones: receivers order them by {@code occurred_at} and deduplicate on the id.
 */
@Component
class WebhookRelay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookRelay.class);
    private static final Duration GIVE_UP_AFTER = Duration.ofDays(1);
    private static final QueueLease QUEUE = new QueueLease("webhook_event", "bigint", "next_attempt_at", "attempts");
    /** 2 s, then up to twice as long each time, an hour at most. */
    private static final Backoff RETRIES = new Backoff(Duration.ofSeconds(2), Duration.ofHours(1));
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    /** Only the status matters; a longer answer is not read. */
    private static final int ANSWER_BYTES = 4096;
    /** Due events looked at per claim, to find some of accounts whose webhook is free. */
    private static final int CANDIDATES = 200;
    /** Webhook calls at once, over every account. */
    private static final int WORKERS = 4;

    private record Event(long id, String sender, UUID messageId, String recipient, String state, String detail,
            Instant occurredAt, int attempts, String url, String secret) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final PeerClient http;
    private final Clock clock;
    private final WorkLoop<Event> loop = new WorkLoop<>("webhooks", WORKERS, 1, Event::sender, this::claim,
            this::deliver);

    WebhookRelay(JdbcClient jdbc, TransactionTemplate tx, Clock clock, OutboxProperties outbox,
            ObjectProvider<ObservationRegistry> observations) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.clock = clock;
        // its own client, not a bean: the service's PeerClient bean carries the PMP/1 policy (static entries)
        ObservationRegistry registry = observations.getIfAvailable();
        this.http = PeerClient.builder()
                .policy(new PeerPolicy(Map.of(), outbox.webhooksMayReachPrivateAddresses()))
                .deadline(DEADLINE)
                .customizer(builder -> {
                    if (registry != null) {
                        builder.addExecInterceptorLast("micrometer", new ObservationExecChainHandler(registry));
                    }
                })
                .build();
    }

    @Override
    public void close() {
        loop.close();
        http.close();
    }

    @Scheduled(fixedDelayString = "${pullmail.outbox.relay-interval:PT0.2S}")
    void relay() {
        loop.nudge();
    }

    /**
     * Due events, oldest first, of accounts whose webhook is not already being called: one event per account
     * at a time in this replica, so a slow or silent receiver holds one worker and delays only its own account's
     * events.
     */
    private List<Event> claim(WorkLoop.Slots<Event> slots) {
        Instant now = clock.instant();
        // a queue claim with SKIP LOCKED, every fraction of a second: JdbcClient
        return tx.execute(status -> {
            List<Event> candidates = jdbc.sql("""
                    SELECT e.id, e.sender, e.message_id, e.recipient, e.state, e.detail, e.occurred_at, e.attempts,
                           w.url, w.secret
                    FROM webhook_event e JOIN webhook w ON w.sender = e.sender
                    WHERE e.delivered_at IS NULL AND e.given_up_at IS NULL AND e.next_attempt_at <= ?
                      AND NOT (e.sender = ANY (?))
                    ORDER BY e.id LIMIT ? FOR UPDATE OF e SKIP LOCKED""")
                    .params(Timestamp.from(now), slots.fullPeers().toArray(String[]::new), CANDIDATES)
                    .query((rs, n) -> new Event(rs.getLong("id"), rs.getString("sender"),
                            rs.getObject("message_id", UUID.class), rs.getString("recipient"), rs.getString("state"),
                            rs.getString("detail"), rs.getTimestamp("occurred_at").toInstant(), rs.getInt("attempts"),
                            rs.getString("url"), rs.getString("secret")))
                    .list();
            List<Event> claimed = new ArrayList<>();
            Map<Long, Instant> leases = new LinkedHashMap<>();
            for (Event e : candidates) {
                if (slots.free() == 0) {
                    break;
                }
                if (slots.admit(e)) {
                    // leased for longer than a call may take; a crash leaves it to be retried after that
                    leases.put(e.id(), now.plusSeconds(60));
                    claimed.add(e);
                }
            }
            QUEUE.lease(jdbc, leases);
            return claimed;
        });
    }

    private void deliver(Event e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", e.id());
        body.put("type", "delivery." + e.state());
        body.put("message_id", e.messageId().toString());
        body.put("recipient", e.recipient());
        body.put("state", e.state());
        if (e.detail() != null) {
            body.put("detail", e.detail());
        }
        body.put("occurred_at", e.occurredAt().toString());
        String json = PmpJson.writeString(body);
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        String error;
        try {
            PeerResponse response = http.exchange(PeerRequest.post(URI.create(e.url()), Map.of(
                    "Content-Type", "application/json",
                    "Pullmail-Event-Id", Long.toString(e.id()),
                    "Pullmail-Signature", "t=" + timestamp + ",v1=" + sign(e.secret(), timestamp + "." + json)),
                    json.getBytes(StandardCharsets.UTF_8)), ANSWER_BYTES);
            if (response.status() / 100 == 2) {
                jdbc.sql("UPDATE webhook_event SET delivered_at = ?, last_error = NULL WHERE id = ?")
                        .params(Timestamp.from(clock.instant()), e.id()).update();
                return;
            }
            error = "answered " + response.status();
        } catch (NonPublicAddressException ex) {
            error = ex.getMessage();
        } catch (IOException | IllegalArgumentException ex) {
            error = ex.toString();
        }
        Instant next = clock.instant().plus(RETRIES.after(e.attempts() + 1));
        if (next.isAfter(e.occurredAt().plus(GIVE_UP_AFTER))) {
            log.warn("webhook event {} for {} given up: {}", e.id(), e.sender(), error);
            jdbc.sql("UPDATE webhook_event SET given_up_at = ?, last_error = ? WHERE id = ?")
                    .params(Timestamp.from(clock.instant()), error, e.id()).update();
        } else {
            jdbc.sql("UPDATE webhook_event SET next_attempt_at = ?, last_error = ? WHERE id = ?")
                    .params(Timestamp.from(next), error, e.id()).update();
        }
    }

    static String sign(String secret, String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", ex);
        }
    }
}
