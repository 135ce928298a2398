package org.pullmail.inbox.policy;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.annotation.Transactional;

/** The domain's inbound settings. What intake reads of them for every notification is in {@link SenderPolicy#facts}. */
interface DomainSettingRepository extends JpaRepository<DomainSetting, String> {

    // one statement, so that two admins setting it at once both succeed instead of one failing on the key
    @Modifying
    @Transactional
    @Query(nativeQuery = true, value = """
            INSERT INTO domain_setting (name, value) VALUES (:name, :value)
            ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value""")
    void put(String name, String value);
}
