package org.pullmail.inbox.policy;

import java.util.List;

import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.annotation.Transactional;

/** A mailbox's own rules. What intake reads of them for every notification is in {@link SenderPolicy#facts}. */
interface SenderRuleRepository extends JpaRepository<SenderRule, SenderRule.Key> {

    /** The entries of one of the mailbox's lists in entry order, after {@code after} ("" from the start). */
    @Query("""
            SELECT r.entry FROM SenderRule r WHERE r.mailbox = :mailbox AND r.kind = :kind AND r.entry > :after
            ORDER BY r.entry""")
    List<String> entries(String mailbox, RuleKind kind, String after, Limit limit);

    /** Puts the entry on the kind's list, moving it from another list it was on. */
    default void put(String mailbox, String entry, RuleKind kind) {
        upsert(mailbox, entry, kind.wire());
    }

    // one statement, so that two puts of the same entry at once both succeed instead of one failing on the key
    @Modifying
    @Transactional
    @Query(nativeQuery = true, value = """
            INSERT INTO sender_rule (mailbox, entry, kind) VALUES (:mailbox, :entry, :kind)
            ON CONFLICT (mailbox, entry) DO UPDATE SET kind = EXCLUDED.kind, created_at = now()""")
    void upsert(String mailbox, String entry, String kind);

    /** Takes the entry off the kind's list; returns how many rules went (0 when it was not on it). */
    @Modifying
    @Transactional
    @Query("DELETE FROM SenderRule r WHERE r.mailbox = :mailbox AND r.entry = :entry AND r.kind = :kind")
    int remove(String mailbox, String entry, RuleKind kind);
}
