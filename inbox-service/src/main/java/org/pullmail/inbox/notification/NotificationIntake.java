package org.pullmail.inbox.notification;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.inbox.events.MailboxEvents;
import org.pullmail.inbox.fetch.JobQueue;
import org.pullmail.inbox.policy.SenderPolicy;
import org.pullmail.inbox.reputation.BulkDetector;
import org.pullmail.inbox.reputation.Reputation;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.NotificationReceipt.Outcome;
import org.pullmail.protocol.NotificationReceipt.RecipientOutcome;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.TimeOrderedIds;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Stores a verified notification and applies each recipient's policy, in one transaction, idempotent
 * on (sender domain, id): a repeat gets the first answer and changes nothing. A refusal for limits
 * (429) rolls everything back, so the sender's retry is judged afresh.
 */
@Service
class NotificationIntake {

    private final JdbcClient jdbc;
    private final SenderPolicy policy;
    private final JobQueue jobs;
    private final Reputation reputation;
    private final BulkDetector bulk;
    private final MailboxEvents events;
    private final IntakeLimits limits;
    private final InboxProperties inbox;
    private final Clock clock;

    NotificationIntake(JdbcClient jdbc, SenderPolicy policy, JobQueue jobs, Reputation reputation, BulkDetector bulk,
            MailboxEvents events, IntakeLimits limits, InboxProperties inbox, Clock clock) {
        this.jdbc = jdbc;
        this.policy = policy;
        this.jobs = jobs;
        this.reputation = reputation;
        this.bulk = bulk;
        this.events = events;
        this.limits = limits;
        this.inbox = inbox;
        this.clock = clock;
    }

    @Transactional
    String receive(Notification n) {
        UUID id = TimeOrderedIds.next();
        Instant now = clock.instant();
        int inserted = jdbc.sql("""
                INSERT INTO notification (id, sender_domain, notification_id, sender, subject, size, digest, fetch_url,
                                          sent_at, expires_at, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (sender_domain, notification_id) DO NOTHING""")
                .params(id, n.senderDomain(), n.id(), n.from(), n.subject(), n.size(), n.digest(), n.fetchUrl(),
                        Timestamp.from(n.sentAt()), Timestamp.from(n.expiresAt()), Timestamp.from(now))
                .update();
        if (inserted == 0) {
            // a repeat, or a concurrent copy that won the race: the first answer (the insert above waited
            // for a copy still in flight to commit, receipt and all)
            return earlierReceipt(n).orElseThrow();
        }
        List<RecipientOutcome> outcomes = new ArrayList<>();
        long alreadyToHere = bulk.recipients(n.digest(), now);
        boolean isBulk = alreadyToHere + n.recipients().size() >= inbox.bulk().recipients();
        for (Notification.Recipient r : n.recipients()) {
            boolean known = jdbc.sql("SELECT EXISTS (SELECT 1 FROM mailbox WHERE address = ?)").param(r.address())
                    .query(Boolean.class).single();
            if (!known) {
                outcomes.add(new RecipientOutcome(r.address(), Outcome.UNKNOWN));
                continue;
            }
            SenderPolicy.Decision decision = policy.decide(r.address(), n.from(), isBulk);
            if (decision.action() == SenderPolicy.Action.BLOCK) {
                // a refusal costs the mailbox nothing: it does not count against the mailbox's intake
                reputation.record(n.from(), Reputation.Event.REFUSED);
                outcomes.add(new RecipientOutcome(r.address(), Outcome.BLOCKED));
                continue;
            }
            // mail the user wants at once (contacts, allowed senders) has an allowance of its own, which no
            // volume of strangers' mail can use up
            limits.count(decision.action() == SenderPolicy.Action.FETCH ? "recipient-wanted" : "recipient",
                    r.address(), inbox.limits().perRecipient());
            reputation.record(n.from(), Reputation.Event.RECEIVED);
            if (decision.action() == SenderPolicy.Action.HOLD) {
                requirePendingRoom(r.address());
            }
            UUID notice = TimeOrderedIds.next();
            boolean fetch = decision.action() == SenderPolicy.Action.FETCH;
            jdbc.sql("""
                    INSERT INTO notice (id, notification, recipient, token, state, created_at, policy)
                    VALUES (?, ?, ?, ?, ?, ?, ?)""")
                    .params(notice, id, r.address(), r.token(), fetch ? "fetching" : "requested", Timestamp.from(now),
                            decision.reason())
                    .update();
            if (fetch) {
                // fetched now, on delivery, never when the user opens it (PROTOCOL.md 8.4)
                jobs.enqueueFetch(notice, n.expiresAt());
            } else {
                events.newRequest(r.address(), notice);
            }
            outcomes.add(new RecipientOutcome(r.address(), Outcome.ACCEPTED));
        }
        String receipt = PmpJson.writeString(new NotificationReceipt(n.id(), outcomes));
        jdbc.sql("INSERT INTO notification_receipt (notification, receipt) VALUES (?, ?)").params(id, receipt).update();
        return receipt;
    }

    private void requirePendingRoom(String mailbox) {
        // counted up to the limit: a flood of requests never makes each new one slower to judge
        int pending = jdbc.sql("""
                SELECT count(*) FROM (SELECT 1 FROM notice WHERE recipient = ? AND state = 'requested' LIMIT ?) AS counted""")
                .params(mailbox, inbox.limits().pendingPerRecipient()).query(Integer.class).single();
        if (pending >= inbox.limits().pendingPerRecipient()) {
            throw new ApiProblem("rate-limited", HttpStatus.TOO_MANY_REQUESTS, "Too many requests",
                    "a recipient has too many requests waiting for a decision", java.time.Duration.ofHours(1));
        }
    }

    private Optional<String> earlierReceipt(Notification n) {
        return jdbc.sql("""
                SELECT r.receipt FROM notification f JOIN notification_receipt r ON r.notification = f.id
                WHERE f.sender_domain = ? AND f.notification_id = ?""")
                .params(n.senderDomain(), n.id()).query(String.class).optional();
    }
}
