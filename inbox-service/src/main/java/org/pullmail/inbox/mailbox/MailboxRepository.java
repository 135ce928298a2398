package org.pullmail.inbox.mailbox;

import java.util.List;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.annotation.Transactional;

/** The domain's mailboxes. */
interface MailboxRepository extends JpaRepository<Mailbox, String> {

    /** Whether the address has a mailbox here; asked by every user request, so in one statement, no transaction. */
    boolean existsByAddress(String address);

    /**
     * The mailboxes whose address equals the given one but for case (at most two: more than one is ambiguous).
     * Asked only after the exact lookup missed.
     */
    @Query(nativeQuery = true,
            value = "SELECT address FROM mailbox WHERE lower(address) = lower(:address) ORDER BY address LIMIT 2")
    List<String> addressesIgnoringCase(String address);

    /**
     * Creates the mailbox unless it exists; 1 when this call created it. One statement, so that two
     * provisioning calls at once (the gateway retries, replicas overlap) both succeed and only one creates it.
     */
    @Modifying
    @Transactional
    @Query(nativeQuery = true, value = "INSERT INTO mailbox (address) VALUES (:address) ON CONFLICT DO NOTHING")
    int createIfAbsent(String address);
}
