package org.pullmail.gateway.token;

import java.util.Optional;

import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;

/** The keys that sign access tokens, shared by the gateway's replicas. */
interface TokenKeyRepository extends Repository<TokenKey, String> {

    Optional<TokenKey> findFirstByOrderByCreatedAtDesc();

    TokenKey save(TokenKey key);

    /**
     * Holds the key generation lock until the caller's transaction ends, so that replicas starting together
     * generate one key between them.
     */
    @Query(value = "SELECT 1 FROM pg_advisory_xact_lock(4243)", nativeQuery = true)
    int lockKeyGeneration();
}
