package org.pullmail.gateway.account;

import java.util.List;
import java.util.Optional;

import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;
import org.springframework.transaction.annotation.Transactional;

/** The domain's accounts, in PostgreSQL. */
interface AccountRepository extends Repository<Account, String> {

    Optional<Account> findById(String address);

    /**
     * Creates the account unless it exists; answers 1 when it was created. An insert that does nothing on
     * conflict, not a read then a write, so that replicas starting with the same initial accounts never collide.
     * A transaction of its own: the caller hashes the password first, outside any.
     */
    @Transactional
    @Modifying
    @Query(value = """
            INSERT INTO account (address, password_hash, roles) VALUES (:address, :passwordHash, :roles)
            ON CONFLICT (address) DO NOTHING""", nativeQuery = true)
    int insertIfAbsent(String address, String passwordHash, String roles);

    /** A page of the accounts whose address contains {@code search}, in address order after {@code after}. */
    List<Account> findByAddressContainingIgnoreCaseAndAddressGreaterThanOrderByAddress(String search, String after,
            Limit limit);

    /** Accounts whose mailbox or outbox is still to be created, oldest first. */
    List<Account> findByProvisionedAtIsNullOrderByCreatedAt(Limit limit);

    long countByProvisionedAtIsNull();
}
