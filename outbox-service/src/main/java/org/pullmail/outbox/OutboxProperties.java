package org.pullmail.outbox;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param notifierUrl      the notifier-service of this domain, which takes signal requests
 * @param inboxUrl         the inbox-service of this domain, which learns what its users sent (sent signals)
 * @param messageLifetime  how long an unfetched message stays fetchable ({@code expires_at})
 * @param maxMessageBytes  largest message accepted
 * @param relayInterval    how often the relay looks for signal requests to hand over
 * @param limits           each account's sending limits unless an admin set its own
 * @param fetchedGrace     how long a message stays after every recipient is done with it, unless the
 *                         account keeps sent copies
 * @param keepSentCopies   the default for accounts that did not choose
 * @param storedTokenGrace how long a delivery's token still fetches after the recipient's domain reported
 *                         it stored (PROTOCOL.md 5: for a receiver that reported before its copy was durable)
 * @param failedFetches    how many failed fetches and status reports a client, and a token prefix, may make
 *                         per window before it is answered 429
 * @param webhooksMayReachPrivateAddresses lets webhooks point at loopback and private networks (local runs,
 *                         tests); off in production, where a webhook must not reach the domain's own network
 */
@ConfigurationProperties("pullmail.outbox")
public record OutboxProperties(@DefaultValue("http://127.0.0.1:8082") URI notifierUrl,
        @DefaultValue("http://127.0.0.1:8083") URI inboxUrl,
        @DefaultValue("P30D") Duration messageLifetime,
        @DefaultValue("26214400") long maxMessageBytes,
        @DefaultValue("PT0.2S") Duration relayInterval,
        @DefaultValue Limits limits,
        @DefaultValue("P7D") Duration fetchedGrace,
        @DefaultValue("false") boolean keepSentCopies,
        @DefaultValue("false") boolean webhooksMayReachPrivateAddresses,
        @DefaultValue("PT1H") Duration storedTokenGrace,
        @DefaultValue FailedFetches failedFetches) {

    /** Failed fetches and status reports allowed per window, per client address and per token prefix. */
    public record FailedFetches(@DefaultValue("120") int perClient, @DefaultValue("60") int perTokenPrefix,
            @DefaultValue("PT1M") Duration window) {
    }

    /**
     * @param messagesPerHour messages an account may send in any hour
     * @param messagesPerDay  messages an account may send in any 24 hours
     * @param recipients      recipients per message
     * @param quotaBytes      bytes an account may keep stored
     */
    public record Limits(@DefaultValue("200") int messagesPerHour, @DefaultValue("1000") int messagesPerDay,
            @DefaultValue("100") int recipients, @DefaultValue("1073741824") long quotaBytes) {
    }
}
