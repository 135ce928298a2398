package org.pullmail.bridge.inbound;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.pullmail.bridge.config.BridgeProperties;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Messages per minute per SMTP client address, counted in fixed one-minute windows in this process (each replica
 * counts its own connections; a client spread over N replicas gets N times the rate, which the per-connection limit
 * and the inbox's own per-address limit still bound).
 */
@Component
class ClientLimits {

    private record Window(long minute, int count) {
    }

    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final int perMinute;
    private final Clock clock;

    ClientLimits(BridgeProperties bridge, Clock clock) {
        this.perMinute = bridge.smtp().messagesPerMinute();
        this.clock = clock;
    }

    /** Counts a message the client starts; false when it is over its limit this minute. */
    boolean admit(String client) {
        long minute = clock.millis() / 60_000;
        Window window = windows.compute(client, (k, w) -> w == null || w.minute() != minute
                ? new Window(minute, 1) : new Window(minute, w.count() + 1));
        return window.count() <= perMinute;
    }

    @Scheduled(fixedDelay = 60_000)
    void forgetOldWindows() {
        long minute = clock.millis() / 60_000;
        windows.values().removeIf(w -> w.minute() < minute);
    }
}
