package org.pullmail.inbox.correspondent;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.inbox.mailbox.Mailboxes;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.ReplyHint;
import org.pullmail.service.ApiProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What the domain's own outbox reports of the mail each mailbox sends, and what intake learns from it: each
 * correspondent (To and Cc) is fetched at once for {@code pullmail.inbox.correspondents.learned-for} after
 * the latest message to them, and the message's reply key ({@link ReplyHint#of} of its Message-ID and the
 * mailbox's address) lets a reply to it in, from anyone, within {@code pullmail.inbox.replies.window}, until
 * mail carrying a hint for it is reported as spam.
 */
@Service
public class SentMail {

    private static final Logger log = LoggerFactory.getLogger(SentMail.class);
    /** How far ahead of this clock a report's sent_at may be: clocks differ a little, never by this much. */
    private static final Duration CLOCK_SKEW = Duration.ofHours(1);

    private final JdbcClient jdbc;
    private final Mailboxes mailboxes;
    private final InboxProperties inbox;
    private final Clock clock;

    SentMail(JdbcClient jdbc, Mailboxes mailboxes, InboxProperties inbox, Clock clock) {
        this.jdbc = jdbc;
        this.mailboxes = mailboxes;
        this.inbox = inbox;
        this.clock = clock;
    }

    /**
     * Records a message the mailbox sent, once: the same Message-ID reported again changes nothing. 404 when the
     * mailbox does not exist, 400 for a correspondent that is not an address or a sent_at in the future.
     */
    @Transactional
    void sent(String mailbox, String messageId, List<String> correspondents, Instant sentAt) {
        if (!mailboxes.exists(mailbox)) {
            throw ApiProblem.notFound("mailbox " + mailbox);
        }
        String id = ReplyHint.bare(messageId);
        if (id.isEmpty()) {
            throw ApiProblem.invalid("message_id is the Message-ID of the message sent");
        }
        if (sentAt.isAfter(clock.instant().plus(CLOCK_SKEW))) {
            throw ApiProblem.invalid("sent_at " + sentAt + " is in the future");
        }
        // distinct: one statement cannot renew the same correspondent twice
        Set<String> learned = new LinkedHashSet<>();
        for (String address : correspondents) {
            String normalized = normalized(address);
            if (!normalized.equals(mailbox)) {
                learned.add(normalized);
            }
        }
        // JdbcClient: every message sent is reported here, the message and all its correspondents in one statement,
        // and a repeat (nothing inserted) renews nobody
        jdbc.sql("WITH sent AS (INSERT INTO sent_message (mailbox, message_id, reply_key, sent_at)"
                        + "   VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING mailbox)"
                        + " INSERT INTO correspondent (mailbox, address, learned_at, expires_at)"
                        + " SELECT s.mailbox, a.address, ?, ? FROM sent s CROSS JOIN unnest(?::text[]) AS a (address)"
                        + " ON CONFLICT (mailbox, address) DO UPDATE SET"
                        // an entry that had expired is learned anew; a live one keeps when it was first learned
                        + " learned_at = CASE WHEN correspondent.expires_at <= EXCLUDED.learned_at"
                        + "   THEN EXCLUDED.learned_at ELSE least(correspondent.learned_at, EXCLUDED.learned_at) END,"
                        + " expires_at = greatest(correspondent.expires_at, EXCLUDED.expires_at)")
                .params(mailbox, id, ReplyHint.of(id, mailbox), Timestamp.from(sentAt), Timestamp.from(sentAt),
                        Timestamp.from(sentAt.plus(inbox.correspondents().learnedFor())),
                        learned.toArray(String[]::new))
                .update();
    }

    /**
     * The user accepted a request from {@code sender}: having wanted their mail once, the user wants it at once
     * from now on, as from someone the user wrote to (learned for the same period, renewed, removable). In the
     * caller's transaction.
     */
    public void accepted(String mailbox, String sender) {
        Instant now = clock.instant();
        jdbc.sql("INSERT INTO correspondent (mailbox, address, learned_at, expires_at) VALUES (?, ?, ?, ?)"
                        + " ON CONFLICT (mailbox, address) DO UPDATE SET"
                        + " learned_at = CASE WHEN correspondent.expires_at <= EXCLUDED.learned_at"
                        + "   THEN EXCLUDED.learned_at ELSE correspondent.learned_at END,"
                        + " expires_at = greatest(correspondent.expires_at, EXCLUDED.expires_at)")
                .params(mailbox, normalized(sender), Timestamp.from(now),
                        Timestamp.from(now.plus(inbox.correspondents().learnedFor())))
                .update();
    }

    /**
     * The user reported the notice's mail as spam: every message the mailbox sent that its reply hints matched
     * opens nothing any more (PROTOCOL.md 3.5, rule 4: a leaked Message-ID stops working once it is abused).
     * In the caller's transaction.
     */
    public void spamReported(UUID notice) {
        // reply_key: the one key a notice stored before reply_keys recorded
        jdbc.sql("UPDATE sent_message s SET spam_reported_at = coalesce(s.spam_reported_at, ?) FROM notice n"
                        + " WHERE n.id = ? AND s.mailbox = n.recipient"
                        + " AND (s.reply_key = ANY (n.reply_keys) OR s.reply_key = n.reply_key)")
                .params(Timestamp.from(clock.instant()), notice).update();
    }

    /** Sent messages too old to open anything, and correspondents long expired, are forgotten. */
    @Scheduled(fixedDelayString = "PT6H", initialDelayString = "PT5M")
    void forgetOld() {
        Instant now = clock.instant();
        int messages = jdbc.sql("DELETE FROM sent_message WHERE sent_at < ?")
                .param(Timestamp.from(now.minus(inbox.replies().window()))).update();
        int correspondents = jdbc.sql("DELETE FROM correspondent WHERE expires_at < ?")
                .param(Timestamp.from(now)).update();
        if (messages + correspondents > 0) {
            log.info("forgot {} sent messages past the reply window and {} expired correspondents", messages,
                    correspondents);
        }
    }

    private static String normalized(String address) {
        try {
            return Addresses.normalize(address);
        } catch (ProtocolException e) {
            throw ApiProblem.invalid("correspondents: " + e.detail());
        }
    }
}
