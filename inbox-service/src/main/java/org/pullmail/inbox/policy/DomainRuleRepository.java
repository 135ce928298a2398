package org.pullmail.inbox.policy;

import java.util.List;

import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.annotation.Transactional;

/** The domain's rules. What intake reads of them for every notification is in {@link SenderPolicy#facts}. */
interface DomainRuleRepository extends JpaRepository<DomainRule, String> {

    /** The rules in list order (allow before block, then by entry). */
    @Query("SELECT r FROM DomainRule r ORDER BY r.kind, r.entry")
    List<DomainRule> inOrder(Limit limit);

    /** The rules after the one of {@code kind} and {@code entry}, in list order. */
    @Query("""
            SELECT r FROM DomainRule r WHERE r.kind > :kind OR (r.kind = :kind AND r.entry > :entry)
            ORDER BY r.kind, r.entry""")
    List<DomainRule> after(RuleKind kind, String entry, Limit limit);

    /** Puts the entry on the kind's list, moving it from the other list; {@code admin} is who did. */
    default void put(String entry, RuleKind kind, String admin) {
        upsert(entry, kind.wire(), admin);
    }

    // one statement, so that two admins putting the same entry at once both succeed instead of one failing on the key
    @Modifying
    @Transactional
    @Query(nativeQuery = true, value = """
            INSERT INTO domain_rule (entry, kind, created_by) VALUES (:entry, :kind, :admin)
            ON CONFLICT (entry) DO UPDATE
            SET kind = EXCLUDED.kind, created_by = EXCLUDED.created_by, created_at = now()""")
    void upsert(String entry, String kind, String admin);

    /** Takes the entry off the kind's list; returns how many rules went (0 when it was not on it). */
    @Modifying
    @Transactional
    @Query("DELETE FROM DomainRule r WHERE r.entry = :entry AND r.kind = :kind")
    int remove(String entry, RuleKind kind);
}
