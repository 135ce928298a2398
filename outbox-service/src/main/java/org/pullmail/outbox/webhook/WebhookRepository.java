package org.pullmail.outbox.webhook;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

interface WebhookRepository extends JpaRepository<Webhook, String> {

    /** Removes the account's webhook; returns 0 when it had none. One statement, so two removals never fail. */
    @Modifying
    @Query("DELETE FROM Webhook w WHERE w.sender = :sender")
    int remove(String sender);
}
