package org.pullmail.outbox;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param notifierUrl     the notifier-service of this domain, which takes signal requests
 * @param messageLifetime how long an unfetched message stays fetchable ({@code expires_at})
 * @param maxRecipients   recipients per message
 * @param maxMessageBytes largest message accepted
 * @param relayInterval   how often the relay looks for signal requests to hand over
 */
@ConfigurationProperties("pullmail.outbox")
public record OutboxProperties(@DefaultValue("http://127.0.0.1:8082") URI notifierUrl,
        @DefaultValue("P30D") Duration messageLifetime,
        @DefaultValue("100") int maxRecipients,
        @DefaultValue("26214400") long maxMessageBytes,
        @DefaultValue("PT0.2S") Duration relayInterval) {
}
