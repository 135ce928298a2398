package org.pullmail.bridge.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pullmail.bridge.config.BridgeProperties;

/** Messages per minute per client address: the next one over the limit waits for the next minute, others go on. */
class ClientLimitsTest {

    @Test
    void aClientOverItsMessagesPerMinuteIsRefusedUntilTheNextMinute() {
        BridgeProperties bridge = new BridgeProperties(new BridgeProperties.Smtp(0, "127.0.0.1", null,
                new BridgeProperties.Tls(null, null), 1000, 100, 200, 10, 2, Duration.ofMinutes(5)),
                new BridgeProperties.Dns(List.of(), Duration.ofSeconds(3)), null, Duration.ofDays(14),
                Duration.ofHours(1), Duration.ofSeconds(3), Duration.ofSeconds(20));
        Instant start = Instant.parse("2026-11-30T10:00:05Z");
        Instant[] now = {start};
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        ClientLimits limits = new ClientLimits(bridge, clock);
        assertThat(limits.admit("192.0.2.1")).isTrue();
        assertThat(limits.admit("192.0.2.1")).isTrue();
        assertThat(limits.admit("192.0.2.1")).isFalse();
        assertThat(limits.admit("192.0.2.2")).isTrue();
        now[0] = start.plusSeconds(60);
        assertThat(limits.admit("192.0.2.1")).isTrue();
    }
}
