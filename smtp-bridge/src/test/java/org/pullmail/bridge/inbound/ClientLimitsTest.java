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
                new BridgeProperties.Tls(null, null), 1000, 100, 200, 10, 2, Duration.ofMinutes(5), 20,
                Duration.ofMinutes(30), Duration.ofMinutes(10)),
                new BridgeProperties.Dns(List.of(), Duration.ofSeconds(3)), null, Duration.ofDays(14),
                Duration.ofHours(1), Duration.ofSeconds(3), Duration.ofSeconds(20),
                new BridgeProperties.Authentication(4, Duration.ofSeconds(30), 10));
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

        // IPv6: one /64 is one client, whichever of its addresses it takes
        assertThat(limits.admit("2001:db8:1:2::1")).isTrue();
        assertThat(limits.admit("2001:db8:1:2:ffff:0:0:7")).isTrue();
        assertThat(limits.admit("2001:db8:1:2::abcd")).isFalse();
        assertThat(limits.admit("2001:db8:1:3::1")).isTrue();
    }

    @Test
    void anIpv6ClientIsItsSlash64AndAnIpv4ClientItsAddress() {
        assertThat(ClientLimits.clientOf("2001:db8:1:2:aaaa::1")).isEqualTo(ClientLimits.clientOf("2001:db8:1:2::9"));
        assertThat(ClientLimits.clientOf("2001:db8:1:2::1")).isNotEqualTo(ClientLimits.clientOf("2001:db8:1:3::1"));
        assertThat(ClientLimits.clientOf("192.0.2.1")).isNotEqualTo(ClientLimits.clientOf("192.0.2.2"));
    }
}
