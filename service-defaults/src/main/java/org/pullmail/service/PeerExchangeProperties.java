package org.pullmail.service;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Bounds of every exchange with another domain: discovery, notifications, fetches and status reports
 * (PROTOCOL.md 8.2). An exchange must end within {@code deadline} plus the bytes it may read at
 * {@code minBytesPerSecond}: 15 s for a notification, 15 s + 400 s for a 25 MiB fetch. A peer that
 * trickles its answer is cut off then, however steadily the bytes come.
 *
 * @param deadline              the base deadline of a whole exchange, head and body
 * @param minBytesPerSecond     the slowest transfer an exchange is allowed time for
 * @param idleTimeout           the longest silence between two reads
 * @param connectTimeout        the longest wait for a connection
 * @param maxConnectionsPerHost connections kept to one host
 */
@ConfigurationProperties("pullmail.peer-exchange")
public record PeerExchangeProperties(@DefaultValue("PT15S") Duration deadline,
        @DefaultValue("65536") long minBytesPerSecond,
        @DefaultValue("PT10S") Duration idleTimeout,
        @DefaultValue("PT5S") Duration connectTimeout,
        @DefaultValue("32") int maxConnectionsPerHost) {
}
