package org.pullmail.protocol.http;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link NonceStore} for one process: tests and single-instance tools. */
public final class InMemoryNonceStore implements NonceStore {

    private final ConcurrentHashMap<String, Instant> seen = new ConcurrentHashMap<>();
    private final Clock clock;

    public InMemoryNonceStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public boolean firstUse(String keyId, String nonce, Instant forgetAfter) {
        Instant now = clock.instant();
        seen.values().removeIf(until -> until.isBefore(now));
        return seen.putIfAbsent(keyId + "\u0000" + nonce, forgetAfter) == null;
    }
}
