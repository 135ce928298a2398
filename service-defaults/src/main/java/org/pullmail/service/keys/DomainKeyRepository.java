package org.pullmail.service.keys;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface DomainKeyRepository extends JpaRepository<DomainKey, String> {

    /**
     * Held until the calling transaction ends, so replicas starting, rotating or promoting at once change the
     * keys one after another.
     */
    @Query(value = "SELECT 1 FROM (SELECT pg_advisory_xact_lock(4242)) AS key_change", nativeQuery = true)
    int lockKeyChanges();

    long countByState(KeyState state);

    List<DomainKey> findByStateOrderByCreatedAt(KeyState state);

    Optional<DomainKey> findFirstByStateOrderByCreatedAtDesc(KeyState state);

    /** Keys verifiers may still meet at {@code now}: published, active, and retired ones not yet withdrawn. */
    @Query("SELECT k FROM DomainKey k WHERE k.retiredUntil IS NULL OR k.retiredUntil > :now ORDER BY k.createdAt")
    List<DomainKey> publishedAt(Instant now);

    List<DomainKey> findAllByOrderByCreatedAt();
}
