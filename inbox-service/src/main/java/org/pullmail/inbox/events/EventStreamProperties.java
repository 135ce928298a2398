package org.pullmail.inbox.events;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param heartbeat    how often an open stream gets a comment line when there is nothing to say: a write to a
 *                     connection whose client is gone fails, and the stream is closed (and every proxy and load
 *                     balancer on the way sees traffic, so none times the stream out)
 * @param pollInterval how often the event log is read for new events
 * @param lifetime     how long a stream stays open before the client is asked to reconnect
 */
@ConfigurationProperties("pullmail.inbox.events")
public record EventStreamProperties(@DefaultValue("PT15S") Duration heartbeat,
        @DefaultValue("PT0.5S") Duration pollInterval,
        @DefaultValue("PT30M") Duration lifetime) {
}
