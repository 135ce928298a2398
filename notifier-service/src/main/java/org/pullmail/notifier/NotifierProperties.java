package org.pullmail.notifier;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param outboxUrl    this domain's outbox-service, which hears every notification's outcome
 * @param inboxUrl     this domain's inbox-service, whose fetch keys the discovery document publishes
 * @param lifetime     how long a notification is retried before it fails (the bounce)
 * @param retryInitial first retry delay; it doubles per attempt, with jitter
 * @param retryMax     longest delay between attempts
 * @param pollInterval how often the queue is polled for due notifications
 * @param senders      notifications sent at once, each on its own worker (32: one busy recipient domain may use
 *                     16 of them, as many as all of them before the bulkheads, and a slow one holds no more)
 * @param perDomain    one recipient domain's share of the senders: a domain may borrow idle senders beyond it
 *                     while half of them stay free, so a slow domain holds at most half and its other
 *                     notifications wait while other domains' go
 * @param bridgeUrl    this domain's SMTP bridge (smtp-bridge), or none: a notification to a domain that publishes
 *                     no PMP/1 discovery document is handed to it for delivery over SMTP; without one it is
 *                     retried like any failed discovery, and fails at the end of its lifetime; the discovery
 *                     document also publishes the keys the bridge signs bridged mail's notifications with
 *                     (PROTOCOL.md 3.6)
 * @param smtpFallbackAfter a domain whose discovery has failed for this long since the notification was queued
 *                     (no web server answers, a TLS name that does not match) is handed to the bridge as well
 *                     (PROTOCOL.md 2.6): many domains that take mail serve no web site
 */
@ConfigurationProperties("pullmail.notifier")
public record NotifierProperties(@DefaultValue("http://127.0.0.1:8081") URI outboxUrl,
        @DefaultValue("http://127.0.0.1:8083") URI inboxUrl,
        @DefaultValue("P2D") Duration lifetime,
        @DefaultValue("PT2S") Duration retryInitial,
        @DefaultValue("PT10M") Duration retryMax,
        @DefaultValue("PT0.2S") Duration pollInterval,
        @DefaultValue("32") int senders,
        @DefaultValue("4") int perDomain,
        URI bridgeUrl,
        @DefaultValue("PT1H") Duration smtpFallbackAfter) {
}
