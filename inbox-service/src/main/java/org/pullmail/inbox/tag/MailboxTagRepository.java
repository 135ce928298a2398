package org.pullmail.inbox.tag;

import java.time.Instant;
import java.util.List;

import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.annotation.Transactional;

/** A mailbox's tags. What intake reads of them for every notification is in {@code SenderPolicy#facts}. */
interface MailboxTagRepository extends JpaRepository<MailboxTag, MailboxTag.Key> {

    /** The mailbox's tags in tag order, after {@code after} ("" from the start). */
    @Query("SELECT t FROM MailboxTag t WHERE t.mailbox = :mailbox AND t.tag > :after ORDER BY t.tag")
    List<MailboxTag> page(String mailbox, String after, Limit limit);

    /** Creates the tag unless the mailbox has it; 1 when this call created it (one statement: two at once never both do). */
    @Modifying
    @Transactional
    @Query(nativeQuery = true, value = """
            INSERT INTO mailbox_tag (mailbox, tag, blocked, created_at) VALUES (:mailbox, :tag, false, :createdAt)
            ON CONFLICT DO NOTHING""")
    int createIfAbsent(String mailbox, String tag, Instant createdAt);

    /** Removes the tag; how many went (0 when the mailbox had none of that name). */
    @Modifying
    @Transactional
    @Query("DELETE FROM MailboxTag t WHERE t.mailbox = :mailbox AND t.tag = :tag")
    int remove(String mailbox, String tag);
}
