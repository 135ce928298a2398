package org.pullmail.inbox.mailbox;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.pullmail.inbox.correspondent.SentMail;
import org.pullmail.inbox.fetch.JobQueue;
import org.pullmail.inbox.notice.NoticeState;
import org.pullmail.inbox.notice.NoticeTransitions;
import org.pullmail.inbox.policy.SenderPolicy;
import org.pullmail.inbox.reputation.Reputation;
import org.pullmail.service.ApiProblem;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What a user does with mail already in the mailbox: delete it (the sender is not told: what a
 * recipient does with stored mail is its own business), or report it as spam, which removes it too,
 * tells the sender's domain {@code spam} (PROTOCOL.md 5: a complaint about stored mail), counts
 * against the sender's reputation here and can block the sender or its domain in the same step; a reply
 * hint it carried for the user's own mail opens nothing any more.
 */
@Service
class MessageActions {

    /** What a spam report did: the message is gone, the sender will be told, maybe blocked. */
    record SpamReport(UUID id, String from, String blocked) {
    }

    private final JdbcClient jdbc;
    private final NoticeTransitions notices;
    private final JobQueue jobs;
    private final Reputation reputation;
    private final SenderPolicy policy;
    private final SentMail sentMail;
    private final Clock clock;

    MessageActions(JdbcClient jdbc, NoticeTransitions notices, JobQueue jobs, Reputation reputation, SenderPolicy policy,
            SentMail sentMail, Clock clock) {
        this.jdbc = jdbc;
        this.sentMail = sentMail;
        this.notices = notices;
        this.jobs = jobs;
        this.reputation = reputation;
        this.policy = policy;
        this.clock = clock;
    }

    @Transactional
    void delete(String mailbox, UUID id) {
        int deleted = jdbc.sql("DELETE FROM message WHERE id = ? AND mailbox = ?").params(id, mailbox).update();
        if (deleted == 0) {
            throw ApiProblem.notFound("message " + id);
        }
    }

    /** block: null, {@code address} or {@code domain}. */
    @Transactional
    SpamReport reportSpam(String mailbox, UUID id, String block) {
        if (block != null && !block.equals("address") && !block.equals("domain")) {
            throw ApiProblem.invalid("block is \"address\" or \"domain\"");
        }
        record Stored(UUID notice, String sender) {
        }
        Stored stored = jdbc.sql("DELETE FROM message WHERE id = ? AND mailbox = ? RETURNING notice, sender")
                .params(id, mailbox)
                .query((rs, n) -> new Stored(rs.getObject("notice", UUID.class), rs.getString("sender")))
                .optional().orElseThrow(() -> ApiProblem.notFound("message " + id));
        Instant now = clock.instant();
        notices.move(stored.notice(), NoticeState.SPAM, false, "reported as spam after delivery");
        jobs.enqueueComplaint(stored.notice(), now.plus(Duration.ofDays(2)));
        reputation.recordFor(stored.notice(), stored.sender(), Reputation.Event.SPAM);
        sentMail.spamReported(stored.notice());
        String blocked = block == null ? null : policy.block(mailbox, stored.sender(), block);
        return new SpamReport(id, stored.sender(), blocked);
    }
}
