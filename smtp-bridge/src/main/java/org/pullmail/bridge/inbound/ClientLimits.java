package org.pullmail.bridge.inbound;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.pullmail.bridge.config.BridgeProperties;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Messages per minute per SMTP client ({@link #clientOf}: an IPv4 address, or an IPv6 client's /64), counted in fixed one-minute windows in this process (each replica
 * counts its own connections; a client spread over N replicas gets N times the rate, which the per-connection limit
 * and the inbox's own per-address limit still bound).
 */
@Component
public class ClientLimits {

    private record Window(long minute, int count) {
    }

    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final int perMinute;
    private final Clock clock;

    ClientLimits(BridgeProperties bridge, Clock clock) {
        this.perMinute = bridge.smtp().messagesPerMinute();
        this.clock = clock;
    }

    /**
     * Whom the per-client limits count: the IPv4 address, or for IPv6 the /64 it is in, since one host or customer
     * usually has a whole /64 and could otherwise take a fresh address for every connection.
     */
    public static String clientOf(String ip) {
        if (ip.indexOf(':') < 0) {
            return ip; // IPv4
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(ip); // a literal: no lookup
        } catch (UnknownHostException e) {
            return ip;
        }
        if (address instanceof Inet6Address) {
            byte[] bytes = address.getAddress();
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
            }
            return prefix.append(":/64").toString();
        }
        return address.getHostAddress();
    }

    /** Counts a message the client starts; false when it is over its limit this minute. */
    boolean admit(String clientIp) {
        long minute = clock.millis() / 60_000;
        Window window = windows.compute(clientOf(clientIp), (k, w) -> w == null || w.minute() != minute
                ? new Window(minute, 1) : new Window(minute, w.count() + 1));
        return window.count() <= perMinute;
    }

    @Scheduled(fixedDelay = 60_000)
    void forgetOldWindows() {
        long minute = clock.millis() / 60_000;
        windows.values().removeIf(w -> w.minute() < minute);
    }
}
