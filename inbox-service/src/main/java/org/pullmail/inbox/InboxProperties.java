package org.pullmail.inbox;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param pollInterval    how often fetch and status jobs are looked for
 * @param retryInitial    first retry delay of a failed fetch or status report; doubles, with jitter
 * @param retryMax        longest delay between attempts
 * @param maxMessageBytes largest message this domain fetches
 */
@ConfigurationProperties("pullmail.inbox")
public record InboxProperties(@DefaultValue("PT0.2S") Duration pollInterval,
        @DefaultValue("PT2S") Duration retryInitial,
        @DefaultValue("PT10M") Duration retryMax,
        @DefaultValue("26214400") long maxMessageBytes) {
}
