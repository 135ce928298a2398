package org.pullmail.bridge.outbound;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;

import org.pullmail.protocol.peer.PeerClient;
import org.pullmail.protocol.peer.PeerPolicy;
import org.pullmail.protocol.peer.PeerRequest;
import org.pullmail.protocol.peer.PeerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * MTA-STS (RFC 8461): whether a recipient's domain asks that its mail arrive only over verified TLS, at the MX
 * hosts it names. The TXT record {@code _mta-sts.<domain>} announces a policy and its id; the policy comes over
 * HTTPS from {@code https://mta-sts.<domain>/.well-known/mta-sts.txt} (certificate checked, no redirects, at most
 * 64 KiB, the whole fetch within a deadline, only at public addresses unless a test rig allows others) and is cached for its {@code max_age}, fetched again when the id changes. A record
 * that vanished leaves a cached policy in force (3.2); a domain without a policy, or whose policy cannot be
 * fetched and none is cached, gets opportunistic TLS (fail open, 5.1).
 */
final class MtaSts {

    private static final Logger log = LoggerFactory.getLogger(MtaSts.class);
    static final int MAX_POLICY_BYTES = 64 * 1024;
    private static final Duration LONGEST_MAX_AGE = Duration.ofSeconds(31_557_600);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9]{1,32}");

    enum Mode { ENFORCE, TESTING, NONE }

    /** A domain's policy: its mode, the MX patterns ({@code mx.example.com}, {@code *.example.com}), its lifetime. */
    record Policy(String id, Mode mode, List<String> mx, Duration maxAge, Instant fetchedAt) {

        /** Whether the MX host matches a pattern: {@code *} stands for exactly one leftmost label (RFC 8461 4.1). */
        boolean allows(String host) {
            String h = strip(host);
            for (String pattern : mx) {
                String p = strip(pattern);
                if (p.startsWith("*.")) {
                    int dot = h.indexOf('.');
                    if (dot > 0 && h.substring(dot + 1).equals(p.substring(2))) {
                        return true;
                    }
                } else if (h.equals(p)) {
                    return true;
                }
            }
            return false;
        }

        private static String strip(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
        }
    }

    private final Dns dns;
    private final OutboundProperties.MtaSts settings;
    private final PeerClient https;
    private final Clock clock;
    private final Map<String, Policy> cache = new ConcurrentHashMap<>();

    /**
     * @param allowPrivateAddresses test rigs only: policy servers may be at non-public addresses; otherwise a policy
     *                              host at one is not connected to (the peer client's check, on the connected address)
     */
    MtaSts(Dns dns, OutboundProperties.MtaSts settings, SSLContext tls, boolean allowPrivateAddresses, Clock clock) {
        this.dns = dns;
        this.settings = settings;
        this.clock = clock;
        // the whole fetch has one deadline, a trickled body included; no redirects
        this.https = PeerClient.builder().policy(new PeerPolicy(Map.of(), allowPrivateAddresses)).sslContext(tls)
                .connectTimeout(settings.fetchTimeout()).idleTimeout(settings.fetchTimeout())
                .deadline(settings.fetchTimeout()).maxConnectionsPerHost(2).build();
    }

    /** The domain's policy in force, if any. */
    Optional<Policy> policy(String domain) {
        if (!settings.enabled()) {
            return Optional.empty();
        }
        String name = domain.toLowerCase(Locale.ROOT);
        Policy cached = cache.get(name);
        if (cached != null && clock.instant().isAfter(cached.fetchedAt().plus(cached.maxAge()))) {
            cache.remove(name, cached);
            cached = null;
        }
        Dns.Answer txt = dns.ask("_mta-sts." + name, Type.TXT);
        List<String> ids = new ArrayList<>();
        for (Record r : txt.records()) {
            String text = Dns.text(r);
            if (text.startsWith("v=STSv1")) {
                ids.add(id(text));
            }
        }
        if (ids.size() != 1 || ids.get(0) == null) {
            // no (usable) record: a cached policy stays in force until its max_age (RFC 8461 3.2, 5.1)
            return Optional.ofNullable(cached);
        }
        if (cached != null && cached.id().equals(ids.get(0))) {
            return Optional.of(cached);
        }
        try {
            Policy fetched = fetch(name, ids.get(0));
            cache.put(name, fetched);
            return Optional.of(fetched);
        } catch (IOException e) {
            log.warn("the MTA-STS policy of {} cannot be fetched: {}{}", name, e.getMessage(),
                    cached == null ? "; delivering with opportunistic TLS" : "; the cached one stays in force");
            return Optional.ofNullable(cached);
        }
    }

    private Policy fetch(String domain, String id) throws IOException {
        URI url = settings.policyUrls().getOrDefault(domain,
                URI.create("https://mta-sts." + domain + "/.well-known/mta-sts.txt"));
        PeerResponse response = https.exchange(PeerRequest.get(url, Map.of("Accept", "text/plain")), MAX_POLICY_BYTES);
        if (response.status() != 200) {
            throw new IOException(url + " answered " + response.status());
        }
        if (response.truncated()) {
            throw new IOException(url + " answered more than " + MAX_POLICY_BYTES + " bytes");
        }
        String type = response.header("Content-Type").orElse("");
        if (!type.toLowerCase(Locale.ROOT).startsWith("text/plain")) {
            throw new IOException(url + " answered " + type + ", not text/plain");
        }
        return parse(id, new String(response.body(), StandardCharsets.UTF_8), clock.instant());
    }

    /** A policy's text (RFC 8461 3.2); anything malformed is refused as a whole. */
    static Policy parse(String id, String text, Instant fetchedAt) throws IOException {
        String version = null;
        Mode mode = null;
        Duration maxAge = null;
        List<String> mx = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "version" -> version = value;
                case "mode" -> mode = switch (value) {
                    case "enforce" -> Mode.ENFORCE;
                    case "testing" -> Mode.TESTING;
                    case "none" -> Mode.NONE;
                    default -> throw new IOException("unknown MTA-STS mode " + value);
                };
                case "mx" -> mx.add(value);
                case "max_age" -> {
                    try {
                        long seconds = Long.parseLong(value);
                        maxAge = Duration.ofSeconds(Math.min(Math.max(0, seconds), LONGEST_MAX_AGE.toSeconds()));
                    } catch (NumberFormatException e) {
                        throw new IOException("max_age is no number: " + value);
                    }
                }
                default -> {
                    // other keys are for later versions (RFC 8461 3.2)
                }
            }
        }
        if (!"STSv1".equals(version) || mode == null || maxAge == null || (mode != Mode.NONE && mx.isEmpty())) {
            throw new IOException("not an STSv1 policy with mode, max_age and mx");
        }
        return new Policy(id, mode, List.copyOf(mx), maxAge, fetchedAt);
    }

    private static String id(String record) {
        for (String part : record.split(";")) {
            String p = part.trim();
            if (p.startsWith("id=")) {
                String id = p.substring(3).trim();
                return ID.matcher(id).matches() ? id : null;
            }
        }
        return null;
    }
}
