package org.pullmail.gateway.token;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.pullmail.gateway.GatewayProperties;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Throttles password guessing per account and per client address. An account has a small allowance of failed
 * logins per client address (so that someone guessing from elsewhere cannot lock its owner out) and a ten times
 * larger one overall (however many addresses guess); a client address has its own (however many accounts it
 * tries; an IPv6 client counts by its /64). Each allowance refills evenly over the window; one used up is answered
 * 429 with the time until the next attempt is allowed, before the password is checked, so guessing also stops
 * costing bcrypt's CPU. A successful login restores the allowance of that account at that address.
 *
 * <p>Kept in memory: it is consulted on every login and must cost less than what it protects. With several
 * gateway replicas each applies the limits on its own, so an attacker gets at most replicas × the allowance.
 */
@Component
class LoginThrottle {

    private record Allowance(double left, long atNanos) {
    }

    private final GatewayProperties.Login limits;
    private final Map<String, Allowance> allowances = new ConcurrentHashMap<>();

    LoginThrottle(GatewayProperties gateway) {
        this.limits = gateway.login();
    }

    /** How long this login must wait, when the account's or the address's allowance is used up. */
    Optional<Duration> wait(String account, String client) {
        long now = System.nanoTime();
        Duration wait = max(max(waitFor(pairKey(account, client), limits.accountFailures(), now),
                waitFor(accountKey(account), overall(), now)), waitFor(addressKey(client), limits.addressFailures(), now));
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    void failed(String account, String client) {
        long now = System.nanoTime();
        spend(pairKey(account, client), limits.accountFailures(), now);
        spend(accountKey(account), overall(), now);
        spend(addressKey(client), limits.addressFailures(), now);
        if (allowances.size() > limits.maxTracked()) {
            forget(now);
        }
    }

    void succeeded(String account, String client) {
        allowances.remove(pairKey(account, client));
    }

    /** An account's allowance over all addresses: ten times one address's. */
    private int overall() {
        return limits.accountFailures() * 10;
    }

    /**
     * Drops allowances that have refilled; when still too many are kept, the longest untouched go, down to nine
     * tenths of the maximum so that this does not run again on the next failure.
     */
    @Scheduled(fixedDelayString = "PT1M", initialDelayString = "PT1M")
    void forgetRefilled() {
        forget(System.nanoTime());
    }

    private void forget(long now) {
        allowances.entrySet().removeIf(e -> refilled(e.getValue(), capacityOf(e.getKey()), now) >= capacityOf(e.getKey()));
        int excess = allowances.size() - limits.maxTracked() * 9 / 10;
        if (excess > 0) {
            allowances.entrySet().stream().sorted(Comparator.comparingLong(e -> e.getValue().atNanos())).limit(excess)
                    .map(Map.Entry::getKey).toList().forEach(allowances::remove);
        }
    }

    private Duration waitFor(String key, int capacity, long now) {
        Allowance allowance = allowances.get(key);
        if (allowance == null) {
            return Duration.ZERO;
        }
        double left = refilled(allowance, capacity, now);
        if (left >= 1) {
            return Duration.ZERO;
        }
        return Duration.ofNanos((long) Math.ceil((1 - left) * perFailureNanos(capacity)));
    }

    private void spend(String key, int capacity, long now) {
        allowances.compute(key, (k, allowance) -> new Allowance(
                Math.max(0, (allowance == null ? capacity : refilled(allowance, capacity, now)) - 1), now));
    }

    private double refilled(Allowance allowance, int capacity, long now) {
        return Math.min(capacity, allowance.left() + (double) (now - allowance.atNanos()) / perFailureNanos(capacity));
    }

    private double perFailureNanos(int capacity) {
        return (double) limits.window().toNanos() / Math.max(1, capacity);
    }

    private int capacityOf(String key) {
        return key.startsWith("pair:") ? limits.accountFailures()
                : key.startsWith("account:") ? overall() : limits.addressFailures();
    }

    private static String accountKey(String account) {
        return "account:" + account.trim().toLowerCase(Locale.ROOT);
    }

    private static String pairKey(String account, String client) {
        return "pair:" + account.trim().toLowerCase(Locale.ROOT) + " " + network(client);
    }

    private static String addressKey(String client) {
        return "address:" + network(client);
    }

    /** An IPv4 address as it is; an IPv6 one by its /64, which one client usually holds whole. */
    private static String network(String client) {
        if (client == null || !client.contains(":") || !client.matches("\\[?[0-9A-Fa-f:.]+\\]?")) {
            return String.valueOf(client);
        }
        String[] groups = client.replace("[", "").replace("]", "").split(":", -1);
        if (client.contains("::") || groups.length < 4) {
            try {
                byte[] bytes = InetAddress.getByName(client.replace("[", "").replace("]", "")).getAddress();
                if (bytes.length == 16) {
                    return String.format("%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", bytes[0], bytes[1], bytes[2],
                            bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]);
                }
            } catch (UnknownHostException e) {
                return client;
            }
            return client;
        }
        return String.join(":", Arrays.copyOf(groups, 4)) + "::/64";
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
