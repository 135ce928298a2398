package org.pullmail.bridge.outbound;

import java.io.IOException;
import java.net.InetAddress;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.pullmail.protocol.Notification;
import org.pullmail.service.Backoff;
import org.pullmail.service.QueueLease;
import org.pullmail.service.Stats;
import org.pullmail.service.TimeOrderedIds;
import org.pullmail.service.WorkLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import jakarta.annotation.PreDestroy;

/**
 * Pullmail users' mail on its way out over SMTP. A hand-over is stored once per notification; workers claim due
 * messages with {@code FOR UPDATE SKIP LOCKED} (leased, so any number of replicas share the queue, and a crash
 * leaves the message to be retried), and for each: route it ({@link Routes}), fetch its bytes from the outbox,
 * DKIM-sign them ({@link DkimKeys}) and hand them to the first MX host that answers ({@link SmtpSender}), all within
 * one deadline shorter than the lease, and at most {@code per-domain} messages to one domain at a time. Every
 * recipient's reply decides it: 2xx after the data → stored, 5xx → failed with the reply, 4xx → retried with
 * backoff, and failed with its last reply once the lifetime is over. Final results go to the outbox, at least
 * once. Network calls run outside transactions.
 */
public class OutboundQueue {

    private static final Logger log = LoggerFactory.getLogger(OutboundQueue.class);
    private static final QueueLease QUEUE = new QueueLease("outbound_message", "uuid", "next_attempt_at", "attempts");
    /** What a lease has beyond the attempt's deadline: an attempt ends (its connection closed) well before. */
    private static final Duration LEASE_MARGIN = Duration.ofMinutes(5);
    private static final int REPORT_BATCH = 50;
    /** Delivered or failed messages are kept this long for the admin's view, then deleted. */
    private static final Duration DONE_KEPT = Duration.ofDays(7);

    record Claimed(UUID id, UUID messageId, String sender, String recipientDomain, int attempts, Instant giveUpAt) {
    }

    private record Waiting(String address, String token, String detail) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final Routes routes;
    private final OutboxClient outbox;
    private final DkimKeys dkim;
    private final SmtpSender smtp;
    private final OutboundProperties outbound;
    private final Backoff retries;
    private final Clock clock;
    private final MeterRegistry meters;
    private final WorkLoop<Claimed> loop;
    /** Longer than any attempt may take ({@code attempt-timeout}): then only a crashed attempt is claimed again. */
    private final Duration lease;

    OutboundQueue(JdbcClient jdbc, TransactionTemplate tx, Routes routes, OutboxClient outbox, DkimKeys dkim,
            SmtpSender smtp, OutboundProperties outbound, Clock clock, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.routes = routes;
        this.outbox = outbox;
        this.dkim = dkim;
        this.smtp = smtp;
        this.outbound = outbound;
        this.retries = new Backoff(outbound.retryInitial(), outbound.retryMax());
        this.clock = clock;
        this.meters = meters;
        Gauge.builder("pullmail.bridge.outbound.depth", jdbc,
                        j -> j.sql("SELECT count(*) FROM outbound_message WHERE state = 'pending'").query(Long.class).single())
                .description("messages waiting to be delivered over SMTP or retried").register(meters);
        this.lease = outbound.attemptTimeout().plus(LEASE_MARGIN);
        // at most per-domain attempts to one recipient domain at a time: a tarpit MX holds no more workers than that
        this.loop = new WorkLoop<>("smtp-outbound", outbound.workers(), outbound.perDomain(), Claimed::recipientDomain,
                this::claim, this::deliver);
    }

    /**
     * Stores a hand-over, due now; a repeat of one stored (the notifier hands over at least once) changes nothing.
     * Given up at the end of the lifetime, or when the message expires if that is sooner.
     */
    void enqueue(OutboundHandover handover) {
        Notification n = handover.notification();
        Instant now = clock.instant();
        Instant giveUp = now.plus(outbound.lifetime());
        if (n.expiresAt().isBefore(giveUp)) {
            giveUp = n.expiresAt();
        }
        Instant giveUpAt = giveUp;
        tx.executeWithoutResult(s -> {
            UUID id = TimeOrderedIds.next();
            int inserted = jdbc.sql("""
                    INSERT INTO outbound_message (id, notification_id, message_id, sender, recipient_domain, state,
                                                  next_attempt_at, give_up_at, created_at)
                    VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)
                    ON CONFLICT (notification_id, recipient_domain) DO NOTHING""")
                    .params(id, n.id(), handover.messageId(), n.from(), n.recipientDomain(), Timestamp.from(now),
                            Timestamp.from(giveUpAt), Timestamp.from(now))
                    .update();
            if (inserted == 1) {
                for (Notification.Recipient r : n.recipients()) {
                    jdbc.sql("INSERT INTO outbound_recipient (outbound_id, address, token, status) VALUES (?, ?, ?, 'pending')")
                            .params(id, r.address(), r.token()).update();
                }
            }
        });
    }

    @Scheduled(fixedDelayString = "${pullmail.bridge.outbound.poll-interval:PT1S}")
    void deliverDue() {
        loop.nudge();
    }

    /** Delivers what was just handed over now rather than at the next poll. */
    void nudge() {
        loop.nudge();
    }

    @PreDestroy
    void stop() {
        loop.close();
    }

    /**
     * Due messages, oldest first, at most {@code per-domain} per recipient domain and none for a domain whose slots
     * are all taken; only those the loop admits are leased.
     */
    private List<Claimed> claim(WorkLoop.Slots<Claimed> slots) {
        Instant now = clock.instant();
        return tx.execute(status -> {
            List<Claimed> candidates = jdbc.sql("""
                    SELECT id, message_id, sender, recipient_domain, attempts, give_up_at FROM outbound_message
                    WHERE id IN (
                        SELECT id FROM (
                            SELECT id, row_number() OVER (PARTITION BY recipient_domain ORDER BY next_attempt_at) AS nth
                            FROM (SELECT id, recipient_domain, next_attempt_at FROM outbound_message
                                  WHERE state = 'pending' AND next_attempt_at <= ?
                                    AND NOT (recipient_domain = ANY (?))
                                  ORDER BY next_attempt_at LIMIT ?) due) ranked
                        WHERE nth <= ?)
                      -- checked again on the locked row: another replica may have leased it meanwhile
                      AND state = 'pending' AND next_attempt_at <= ?
                    ORDER BY next_attempt_at FOR UPDATE SKIP LOCKED""")
                    .params(Timestamp.from(now), slots.fullPeers().toArray(String[]::new), slots.candidates(),
                            slots.perPeer(), Timestamp.from(now))
                    // attempts counts this one too, as the lease below counts it
                    .query((rs, n) -> new Claimed(rs.getObject("id", UUID.class), rs.getObject("message_id", UUID.class),
                            rs.getString("sender"), rs.getString("recipient_domain"), rs.getInt("attempts") + 1,
                            rs.getTimestamp("give_up_at").toInstant()))
                    .list();
            List<Claimed> claimed = new ArrayList<>();
            Map<UUID, Instant> leases = new LinkedHashMap<>();
            for (Claimed c : candidates) {
                if (slots.free() == 0) {
                    break;
                }
                if (slots.admit(c)) {
                    leases.put(c.id(), now.plus(lease));
                    claimed.add(c);
                }
            }
            QUEUE.lease(jdbc, leases);
            return claimed;
        });
    }

    void deliver(Claimed c) {
        List<Waiting> waiting = jdbc.sql("""
                SELECT address, token, detail FROM outbound_recipient
                WHERE outbound_id = ? AND status = 'pending' ORDER BY address""").param(c.id())
                .query((rs, n) -> new Waiting(rs.getString(1), rs.getString(2), rs.getString(3))).list();
        if (waiting.isEmpty()) {
            finish(c);
            return;
        }
        Deadline deadline = Deadline.in(outbound.attemptTimeout());
        try {
            List<MxHost> hosts = routes.to(c.recipientDomain());
            // every waiting recipient's token: each of their deliveries counts as fetched from now on
            try (SpooledMessage message = outbox.message(c.messageId(), waiting.stream().map(Waiting::token).toList(),
                    deadline)) {
                dkim.sign(message);
                handOver(c, hosts, waiting.stream().map(Waiting::address).toList(), message, deadline);
            }
        } catch (DeliveryFailure e) {
            if (e.isPermanent()) {
                decide(c, waiting.stream().map(w -> new Decision(w.address(), "failed", e.getMessage())).toList());
                finish(c);
            } else {
                retry(c, e.getMessage());
            }
        } catch (IOException e) {
            retry(c, "the message cannot be signed: " + e.getMessage());
        } catch (RuntimeException e) {
            log.error("message {} to {}: delivery attempt failed", c.messageId(), c.recipientDomain(), e);
            retry(c, "internal error: " + e);
        }
    }

    private record Decision(String address, String status, String detail) {
    }

    /**
     * To the first host that takes the message, trying each address of each host in turn (RFC 5321 5.1), all
     * within the attempt's deadline. When every host is at a non-public address, no retry mends it.
     */
    private void handOver(Claimed c, List<MxHost> hosts, List<String> addresses, SpooledMessage signed, Deadline deadline)
            throws DeliveryFailure {
        List<String> problems = new ArrayList<>();
        boolean allRefused = true;
        for (MxHost host : hosts) {
            if (deadline.passed()) {
                break;
            }
            Routes.Reach reach = routes.reach(host);
            allRefused &= reach.refused();
            if (reach.addresses().isEmpty()) {
                log.info("message {} to {}: {}", c.messageId(), c.recipientDomain(), reach.problem());
                problems.add(reach.problem());
                continue;
            }
            for (InetAddress address : reach.addresses()) {
                try {
                    record(c, smtp.send(host, address, c.sender(), addresses, signed, deadline));
                    return;
                } catch (SmtpSender.Unreachable e) {
                    log.info("message {} to {}: {}", c.messageId(), c.recipientDomain(), e.getMessage());
                    problems.add(e.getMessage());
                }
            }
        }
        if (allRefused && !problems.isEmpty()) {
            throw DeliveryFailure.permanent("no MX host of " + c.recipientDomain() + " is at a public address: "
                    + String.join("; ", problems));
        }
        String last = problems.isEmpty() ? "none was tried" : problems.get(problems.size() - 1);
        throw DeliveryFailure.temporary((deadline.passed() ? "the attempt took longer than " + deadline.length()
                + "; " : "") + "no MX host of " + c.recipientDomain() + " took the message; last: " + last);
    }

    /** The MTA's replies: final ones are recorded and reported; a recipient with a 4xx waits for the retry. */
    private void record(Claimed c, Map<String, SmtpSender.Reply> replies) {
        List<Decision> decisions = new ArrayList<>();
        String deferred = null;
        for (Map.Entry<String, SmtpSender.Reply> e : replies.entrySet()) {
            SmtpSender.Reply reply = e.getValue();
            String status = reply.positive() ? "stored" : reply.permanent() ? "failed" : "pending";
            decisions.add(new Decision(e.getKey(), status, reply.text()));
            if (status.equals("pending")) {
                deferred = reply.text();
            }
        }
        decide(c, decisions);
        if (deferred != null) {
            retry(c, deferred);
        } else {
            finish(c);
        }
    }

    private void decide(Claimed c, List<Decision> decisions) {
        Timestamp now = Timestamp.from(clock.instant());
        tx.executeWithoutResult(s -> {
            for (Decision d : decisions) {
                boolean last = !d.status().equals("pending");
                jdbc.sql("""
                        UPDATE outbound_recipient SET status = ?, detail = ?, decided_at = ?,
                               token = CASE WHEN ? THEN NULL ELSE token END
                        WHERE outbound_id = ? AND address = ? AND status = 'pending'""")
                        .params(d.status(), abbreviate(d.detail()), last ? now : null, last, c.id(), d.address())
                        .update();
                if (last) {
                    meters.counter("pullmail.bridge.outbound.deliveries", "result", d.status()).increment();
                }
            }
        });
        reportDue();
    }

    private void retry(Claimed c, String error) {
        Instant next = clock.instant().plus(retries.after(c.attempts()));
        if (next.isAfter(c.giveUpAt())) {
            giveUp(c, error);
            return;
        }
        meters.counter("pullmail.bridge.outbound.deliveries", "result", "deferred").increment();
        log.info("message {} to {}: attempt {} did not deliver to everyone, retrying at {}: {}", c.messageId(),
                c.recipientDomain(), c.attempts(), next, error);
        jdbc.sql("UPDATE outbound_message SET next_attempt_at = ?, last_error = ? WHERE id = ?")
                .params(Timestamp.from(next), abbreviate(error), c.id()).update();
    }

    /** The lifetime is over: whoever still waits fails, with the last reply it got (or the last error). */
    private void giveUp(Claimed c, String error) {
        log.warn("message {} to {}: gave up after {} attempts: {}", c.messageId(), c.recipientDomain(), c.attempts(),
                error);
        List<Decision> failed = jdbc.sql("SELECT address, detail FROM outbound_recipient WHERE outbound_id = ?"
                        + " AND status = 'pending'").param(c.id())
                .query((rs, n) -> new Decision(rs.getString(1), "failed", "gave up after " + c.attempts()
                        + " attempts; last: " + (rs.getString(2) != null ? rs.getString(2) : error)))
                .list();
        jdbc.sql("UPDATE outbound_message SET last_error = ? WHERE id = ?").params(abbreviate(error), c.id()).update();
        decide(c, failed);
        finish(c);
    }

    private void finish(Claimed c) {
        jdbc.sql("UPDATE outbound_message SET state = 'done', done_at = ? WHERE id = ?")
                .params(Timestamp.from(clock.instant()), c.id()).update();
    }

    /** Sends the outbox every final result it has not heard yet, a message at a time (it is idempotent). */
    @Scheduled(fixedDelayString = "PT5S")
    void reportDue() {
        List<UUID> due = jdbc.sql("""
                SELECT DISTINCT outbound_id FROM outbound_recipient WHERE status <> 'pending' AND NOT reported
                LIMIT ?""").param(REPORT_BATCH).query(UUID.class).list();
        for (UUID id : due) {
            UUID messageId = jdbc.sql("SELECT message_id FROM outbound_message WHERE id = ?").param(id)
                    .query(UUID.class).single();
            List<OutboxClient.SmtpResult.RecipientResult> results = jdbc.sql("""
                    SELECT address, status, detail FROM outbound_recipient
                    WHERE outbound_id = ? AND status <> 'pending' AND NOT reported""").param(id)
                    .query((rs, n) -> new OutboxClient.SmtpResult.RecipientResult(rs.getString(1),
                            rs.getString(2).equals("stored") ? OutboxClient.SmtpResult.Status.STORED
                                    : OutboxClient.SmtpResult.Status.FAILED, rs.getString(3)))
                    .list();
            if (outbox.report(new OutboxClient.SmtpResult(messageId, results))) {
                jdbc.sql("UPDATE outbound_recipient SET reported = true WHERE outbound_id = :id AND address IN (:addresses)")
                        .param("id", id)
                        .param("addresses", results.stream().map(OutboxClient.SmtpResult.RecipientResult::address).toList())
                        .update();
            }
        }
    }

    /**
     * Adds what the dashboard charts of outbound mail to a service's figures: recipients stored and failed per
     * minute, and the queue's depths now (messages never tried, and waiting for a retry).
     */
    public Stats stats(Stats stats) {
        return stats
                .series("smtp_stored", "outbound_recipient", "decided_at", "status = 'stored'")
                .series("smtp_failed", "outbound_recipient", "decided_at", "status = 'failed'")
                .gauge("smtp_queue_pending",
                        "SELECT count(*) FROM outbound_message WHERE state = 'pending' AND attempts = 0")
                .gauge("smtp_queue_retrying",
                        "SELECT count(*) FROM outbound_message WHERE state = 'pending' AND attempts > 0");
    }

    @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT5M")
    void purgeDone() {
        jdbc.sql("""
                DELETE FROM outbound_message m WHERE state = 'done' AND done_at < ?
                  AND NOT EXISTS (SELECT 1 FROM outbound_recipient r WHERE r.outbound_id = m.id AND NOT r.reported)""")
                .param(Timestamp.from(clock.instant().minus(DONE_KEPT))).update();
    }

    private static String abbreviate(String s) {
        return s == null ? null : s.length() > 1000 ? s.substring(0, 1000) + "…" : s;
    }
}
