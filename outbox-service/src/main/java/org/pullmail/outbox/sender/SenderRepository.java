package org.pullmail.outbox.sender;

import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

import jakarta.persistence.LockModeType;

interface SenderRepository extends JpaRepository<Sender, String> {

    /** The account, its row locked for the rest of the transaction. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("SELECT s FROM Sender s WHERE s.address = :address")
    Optional<Sender> lock(String address);

    /**
     * Creates the account unless it exists; returns 1 when this call created it. One statement, so that two
     * provisioning calls at once both succeed.
     */
    @Modifying
    @Query(value = "INSERT INTO sender (address) VALUES (:address) ON CONFLICT DO NOTHING", nativeQuery = true)
    int provision(String address);
}
