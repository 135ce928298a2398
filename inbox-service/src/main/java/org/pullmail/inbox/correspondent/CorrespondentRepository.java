package org.pullmail.inbox.correspondent;

import java.time.Instant;
import java.util.List;

import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.annotation.Transactional;

/**
 * A mailbox's learned correspondents. What intake reads of them for every notification is in
 * {@code SenderPolicy#facts}; what the outbox reports is written by {@link SentMail} in one statement.
 */
interface CorrespondentRepository extends JpaRepository<Correspondent, Correspondent.Key> {

    /** The mailbox's correspondents that have not expired at {@code now}, in address order, after {@code after}. */
    @Query("""
            SELECT c FROM Correspondent c WHERE c.mailbox = :mailbox AND c.expiresAt > :now AND c.address > :after
            ORDER BY c.address""")
    List<Correspondent> page(String mailbox, Instant now, String after, Limit limit);

    /** Forgets the correspondent; how many went (0 when the mailbox had none of that address). */
    @Modifying
    @Transactional
    @Query("DELETE FROM Correspondent c WHERE c.mailbox = :mailbox AND c.address = :address")
    int remove(String mailbox, String address);

    /** Forgets every correspondent that expired before {@code before}. */
    @Modifying
    @Transactional
    @Query("DELETE FROM Correspondent c WHERE c.expiresAt < :before")
    int removeExpired(Instant before);
}
