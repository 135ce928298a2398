package org.pullmail.gateway.events;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.pullmail.gateway.GatewayProperties;
import org.pullmail.gateway.token.TokensRevoked;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The event streams open through this gateway, by account: at most {@code perAccount} at a time, so one
 * account cannot hold what everyone else needs. A stream gives its slot back when it ends, whichever side ends
 * it; an account whose tokens are revoked has its streams closed at once, and when the gateway stops, all are
 * closed first (clients reconnect to another replica), so that a graceful shutdown does not wait for them.
 */
@Component
class EventStreams implements SmartLifecycle {

    /** An open stream's slot; {@link #release()} is idempotent. */
    final class Slot {
        private final String account;
        private volatile Runnable closer = () -> { };

        private Slot(String account) {
            this.account = account;
        }

        /** What ends the stream when the account's tokens are revoked. */
        void onRevoked(Runnable closer) {
            this.closer = closer;
        }

        void release() {
            open.computeIfPresent(account, (a, slots) -> {
                slots.remove(this);
                return slots.isEmpty() ? null : slots;
            });
        }
    }

    private final int perAccount;
    private final Map<String, Set<Slot>> open = new ConcurrentHashMap<>();
    private volatile boolean running;

    EventStreams(GatewayProperties gateway) {
        this.perAccount = gateway.streams().perAccount();
    }

    /** A slot for a new stream of this account, or nothing when it has as many as it may. */
    Optional<Slot> open(String account) {
        Slot slot = new Slot(account);
        boolean[] granted = {false};
        open.compute(account, (a, slots) -> {
            Set<Slot> now = slots == null ? ConcurrentHashMap.newKeySet() : slots;
            if (now.size() < perAccount) {
                now.add(slot);
                granted[0] = true;
            }
            return now.isEmpty() ? null : now;
        });
        return granted[0] ? Optional.of(slot) : Optional.empty();
    }

    @Override
    public void start() {
        running = true;
    }

    /** Runs before the web server's graceful shutdown (a later phase stops earlier). */
    @Override
    public void stop() {
        running = false;
        open.values().forEach(slots -> Set.copyOf(slots).forEach(slot -> slot.closer.run()));
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @EventListener
    void revoked(TokensRevoked revoked) {
        Set<Slot> slots = open.get(revoked.address());
        if (slots != null) {
            Set.copyOf(slots).forEach(slot -> slot.closer.run());
        }
    }
}
