package org.pullmail.service;

import java.time.Duration;

import org.springframework.scheduling.annotation.Scheduled;

/**
 * Promotes a published key once it has been published long enough, in every service that signs.
 * Replicas all run it; the advisory lock in {@link DomainKeys} makes it happen once, and every
 * replica reloads its signer within a minute.
 */
public class KeyRotation {

    private final DomainKeys keys;
    private final Duration lead;

    public KeyRotation(DomainKeys keys, Duration lead) {
        this.keys = keys;
        this.lead = lead;
    }

    // the same setting as PullmailProperties.Keys.checkInterval (an annotation can only name it)
    @Scheduled(fixedDelayString = "${pullmail.keys.check-interval:PT30S}", initialDelayString = "PT5S")
    void promote() {
        keys.promote(lead);
        keys.reload();
    }
}
