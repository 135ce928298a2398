package org.pullmail.inbox.notification;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.pullmail.inbox.fetch.JobQueue;
import org.pullmail.inbox.policy.SenderPolicy;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.NotificationReceipt.Outcome;
import org.pullmail.protocol.NotificationReceipt.RecipientOutcome;
import org.pullmail.protocol.json.PmpJson;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Stores a verified notification and applies each recipient's policy, in one transaction, idempotent
 * on (sender domain, id): a repeat gets the first answer and changes nothing.
 */
@Service
class NotificationIntake {

    private final JdbcClient jdbc;
    private final SenderPolicy policy;
    private final JobQueue jobs;
    private final Clock clock;

    NotificationIntake(JdbcClient jdbc, SenderPolicy policy, JobQueue jobs, Clock clock) {
        this.jdbc = jdbc;
        this.policy = policy;
        this.jobs = jobs;
        this.clock = clock;
    }

    @Transactional
    String receive(Notification n) {
        Optional<String> earlier = earlierReceipt(n);
        if (earlier.isPresent()) {
            return earlier.get();
        }
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        int inserted = jdbc.sql("""
                INSERT INTO notification (id, sender_domain, notification_id, sender, subject, size, digest, fetch_url,
                                          sent_at, expires_at, received_at, receipt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')
                ON CONFLICT (sender_domain, notification_id) DO NOTHING""")
                .params(id, n.senderDomain(), n.id(), n.from(), n.subject(), n.size(), n.digest(), n.fetchUrl(),
                        Timestamp.from(n.sentAt()), Timestamp.from(n.expiresAt()), Timestamp.from(now))
                .update();
        if (inserted == 0) {
            // a concurrent copy of the same notification won the race
            return earlierReceipt(n).orElseThrow();
        }
        List<RecipientOutcome> outcomes = new ArrayList<>();
        for (Notification.Recipient r : n.recipients()) {
            boolean known = jdbc.sql("SELECT count(*) FROM mailbox WHERE address = ?").param(r.address())
                    .query(Integer.class).single() > 0;
            if (!known) {
                outcomes.add(new RecipientOutcome(r.address(), Outcome.UNKNOWN));
                continue;
            }
            SenderPolicy.Decision decision = policy.decide(r.address(), n.from());
            if (decision == SenderPolicy.Decision.BLOCK) {
                outcomes.add(new RecipientOutcome(r.address(), Outcome.BLOCKED));
                continue;
            }
            UUID notice = UUID.randomUUID();
            String state = decision == SenderPolicy.Decision.FETCH ? "fetching" : "requested";
            jdbc.sql("""
                    INSERT INTO notice (id, notification, recipient, token, state, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)""")
                    .params(notice, id, r.address(), r.token(), state, Timestamp.from(now)).update();
            if (decision == SenderPolicy.Decision.FETCH) {
                // fetched now, on delivery, never when the user opens it (PROTOCOL.md 8.4)
                jobs.enqueueFetch(notice, n.expiresAt());
            }
            outcomes.add(new RecipientOutcome(r.address(), Outcome.ACCEPTED));
        }
        String receipt = PmpJson.writeString(new NotificationReceipt(n.id(), outcomes));
        jdbc.sql("UPDATE notification SET receipt = ? WHERE id = ?").params(receipt, id).update();
        return receipt;
    }

    private Optional<String> earlierReceipt(Notification n) {
        return jdbc.sql("SELECT receipt FROM notification WHERE sender_domain = ? AND notification_id = ?")
                .params(n.senderDomain(), n.id()).query(String.class).optional();
    }

}
