package org.pullmail.bridge.legacy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Unfetched legacy mail expires: its bytes are deleted once its {@code expires_at} passed (the fetch then answers
 * 410 expired). Its rows stay 30 days longer, so that a late status report (spam, say) is still recorded.
 */
@Component
class LegacyExpiry {

    private static final Logger log = LoggerFactory.getLogger(LegacyExpiry.class);
    static final Duration REPORTS_TAKEN_FOR = Duration.ofDays(30);

    private final LegacyMessages messages;
    private final Clock clock;

    LegacyExpiry(LegacyMessages messages, Clock clock) {
        this.messages = messages;
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "${pullmail.bridge.expiry-interval:PT1M}", initialDelayString = "PT10S")
    void expire() {
        Instant now = clock.instant();
        int expired = messages.expire(now);
        int forgotten = messages.forget(now.minus(REPORTS_TAKEN_FOR));
        if (expired > 0 || forgotten > 0) {
            log.info("deleted the bytes of {} expired legacy messages; forgot {} expired over {} ago", expired,
                    forgotten, REPORTS_TAKEN_FOR);
        }
    }
}
