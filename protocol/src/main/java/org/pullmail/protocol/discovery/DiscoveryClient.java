package org.pullmail.protocol.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.protocol.peer.NonPublicAddressException;
import org.pullmail.protocol.peer.PeerClient;
import org.pullmail.protocol.peer.PeerPolicy;
import org.pullmail.protocol.peer.PeerRequest;
import org.pullmail.protocol.peer.PeerResponse;

/**
 * Finds a domain's discovery document as PROTOCOL.md section 2 prescribes: static overrides first,
 * else {@code https://{domain}/.well-known/pullmail}; cached within the protocol's TTL bounds; one
 * refetch (at most once a minute) when a key id is unknown; stale documents kept for an hour when
 * the domain cannot be reached; and no connection to loopback, private, link-local or metadata
 * addresses except through an override. The document's URLs must lie on the domain's own origin, or
 * on the origin of its static entry (PROTOCOL.md 2.1, 2.4); every exchange has a deadline.
 */
public final class DiscoveryClient {

    private static final Pattern MAX_AGE = Pattern.compile("max-age\\s*=\\s*(\\d+)");
    private static final Duration STALE_IF_ERROR = Duration.ofHours(1);
    private static final Duration MIN_REFETCH_INTERVAL = Duration.ofMinutes(1);

    /** A document with its keys, each parsed on first use and kept as long as the document. */
    private record Cached(DiscoveryDocument document, Instant fetchedAt, Instant freshUntil,
            Map<String, PublicKey> keys) {

        Cached(DiscoveryDocument document, Instant fetchedAt, Instant freshUntil) {
            this(document, fetchedAt, freshUntil, new ConcurrentHashMap<>());
        }

        PublicKey key(String keyId) throws ProtocolException {
            PublicKey known = keys.get(keyId);
            if (known == null) {
                known = document.key(keyId);
                keys.put(keyId, known);
            }
            return known;
        }
    }

    /** How long a failed discovery is remembered: meanwhile the domain is not asked again. */
    static final Duration FAILURE_MEMORY = Duration.ofSeconds(10);
    /**
     * Discoveries under way at once, over every domain; more are refused until one ends. They hold no request
     * thread, only one of their own each, for at most the exchange's deadline (about 16 s), so there can be many:
     * someone who names ever new slow domains needs this many notifications every 16 s to keep new domains
     * waiting (domains already known fall back to their cached document meanwhile).
     */
    static final int MAX_DISCOVERIES = 64;
    /** Failures remembered at most (a flood of ever new names must not grow the memory without end). */
    static final int MAX_FAILURES = 10_000;
    /** What the peer is told to wait when a discovery is still under way or too many are. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private final PeerClient http;
    private final Clock clock;
    private final PeerPolicy policy;
    private final Duration maxWait;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Cached>> underWay = new ConcurrentHashMap<>();
    private final Map<String, Failed> failures = new ConcurrentHashMap<>();
    private final Semaphore discoveries = new Semaphore(MAX_DISCOVERIES);

    /** {@code noDocument}: the domain said it has no document ({@link NoDiscoveryDocumentException}). */
    private record Failed(Instant until, ProblemType type, String detail, boolean noDocument) {

        ProtocolException again(Instant now) {
            String text = detail + " (recently; not asked again yet)";
            ProtocolException e = noDocument ? new NoDiscoveryDocumentException(text) : new ProtocolException(type, text);
            return e.retryAfter(Duration.between(now, until));
        }
    }

    /** Runs discoveries, so that the caller can stop waiting while a slow domain's goes on. */
    private static final ExecutorService DISCOVERING = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pmp-discovery");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param http the client of exchanges with other domains; its {@link PeerPolicy} holds the static
     *             entries (domain → base URL whose {@code /.well-known/pullmail} is used instead) and
     *             decides which addresses may be reached
     */
    public DiscoveryClient(PeerClient http, Clock clock) {
        this(http, clock, Duration.ofSeconds(3));
    }

    /**
     * @param maxWait how long a caller waits for a domain's document to arrive (a request thread of the
     *                services, mostly). The discovery goes on after that, at most one per domain at a time and
     *                {@link #MAX_DISCOVERIES} in all, within the exchange's own deadline; the caller gets
     *                {@code 502 discovery-failed} with {@code Retry-After}, and the document is cached for the
     *                peer's retry. A slow domain so holds a request thread at most this long, whoever sends.
     */
    public DiscoveryClient(PeerClient http, Clock clock, Duration maxWait) {
        this.http = http;
        this.clock = clock;
        this.policy = http.policy();
        this.maxWait = maxWait;
    }

    /** A client with its own connections, for tools and tests. */
    public DiscoveryClient(Clock clock, Map<String, URI> overrides, boolean allowPrivateAddresses) {
        this(PeerClient.builder().policy(new PeerPolicy(overrides, allowPrivateAddresses)).build(), clock);
    }

    /** The domain's document, from the cache while fresh. */
    public DiscoveryDocument discover(String domain) throws ProtocolException {
        return current(domain.toLowerCase(Locale.ROOT)).document();
    }

    private Cached current(String domain) throws ProtocolException {
        Cached cached = cache.get(domain);
        Instant now = clock.instant();
        if (cached != null && now.isBefore(cached.freshUntil())) {
            return cached;
        }
        try {
            return refresh(domain);
        } catch (ProtocolException e) {
            if (cached != null && now.isBefore(cached.freshUntil().plus(STALE_IF_ERROR))) {
                return cached;
            }
            throw e;
        }
    }

    /** A public key of {@code domain}; refetches once (at most once a minute) when the kid is unknown. */
    public PublicKey key(String domain, String keyId) throws ProtocolException {
        String name = domain.toLowerCase(Locale.ROOT);
        Cached cached = current(name);
        try {
            return cached.key(keyId);
        } catch (ProtocolException unknown) {
            if (clock.instant().isBefore(cached.fetchedAt().plus(MIN_REFETCH_INTERVAL))) {
                throw unknown;
            }
            return refresh(name).key(keyId);
        }
    }

    /** Forgets every cached document (an operator's "flush" after a key compromise). */
    public void flush() {
        cache.clear();
        failures.clear();
    }

    /**
     * Fetches the domain's document: one discovery per domain at a time (callers that need the same domain
     * wait for the one under way), a failure remembered for {@link #FAILURE_MEMORY}, and no caller waiting
     * longer than {@code maxWait}.
     */
    private Cached refresh(String domain) throws ProtocolException {
        if (!Addresses.isValidDomain(domain)) {
            throw new ProtocolException(ProblemType.DISCOVERY_FAILED, "not a domain name: " + domain);
        }
        Failed failed = failures.get(domain);
        if (failed != null) {
            if (clock.instant().isBefore(failed.until())) {
                throw failed.again(clock.instant());
            }
            failures.remove(domain, failed);
        }
        CompletableFuture<Cached> mine = new CompletableFuture<>();
        CompletableFuture<Cached> running = underWay.putIfAbsent(domain, mine);
        if (running == null) {
            running = mine;
            if (!discoveries.tryAcquire()) {
                underWay.remove(domain, mine);
                throw new DiscoveryBusyException("too many domains are being discovered at "
                        + "once; " + domain + " will be when you retry").retryAfter(RETRY_AFTER);
            }
            try {
                DISCOVERING.execute(() -> {
                    try {
                        mine.complete(fetch(domain));
                    } catch (ProtocolException e) {
                        if (failures.size() >= MAX_FAILURES) {
                            Instant now = clock.instant();
                            failures.values().removeIf(f -> !now.isBefore(f.until()));
                        }
                        if (failures.size() < MAX_FAILURES) {
                            failures.put(domain, new Failed(clock.instant().plus(FAILURE_MEMORY), e.type(), e.detail(),
                                    e instanceof NoDiscoveryDocumentException));
                        }
                        mine.completeExceptionally(e);
                    } catch (RuntimeException | Error e) {
                        mine.completeExceptionally(e);
                    } finally {
                        underWay.remove(domain, mine);
                        discoveries.release();
                    }
                });
            } catch (RuntimeException e) {
                underWay.remove(domain, mine);
                discoveries.release();
                throw e;
            }
        }
        try {
            return running.get(maxWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new DiscoveryBusyException("the discovery of " + domain
                    + " is under way and slow; retry").retryAfter(RETRY_AFTER);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NoDiscoveryDocumentException failure) {
                throw new NoDiscoveryDocumentException(failure.detail(), failure);
            }
            if (e.getCause() instanceof ProtocolException failure) {
                throw new ProtocolException(failure.type(), failure.detail(), failure);
            }
            throw new IllegalStateException("discovering " + domain + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException(ProblemType.DISCOVERY_FAILED, "interrupted while discovering " + domain);
        }
    }

    private Cached fetch(String domain) throws ProtocolException {
        URI url = policy.discoveryUrl(domain);
        PeerResponse response;
        try {
            response = http.exchange(PeerRequest.get(url, Map.of("Accept", Pmp.MEDIA_TYPE_JSON)), Pmp.MAX_DISCOVERY_BYTES);
        } catch (NonPublicAddressException e) {
            throw new ProtocolException(ProblemType.DISCOVERY_FAILED, e.getMessage(), e);
        } catch (UnknownHostException e) {
            // the name does not resolve: no domain there to speak PMP/1 (a static entry's host is the operator's)
            if (policy.staticEntry(domain).isPresent()) {
                throw new ProtocolException(ProblemType.DISCOVERY_FAILED, "cannot resolve " + url.getHost(), e);
            }
            throw new NoDiscoveryDocumentException(domain + " does not resolve: it publishes no PMP/1 document", e);
        } catch (IOException e) {
            throw new ProtocolException(ProblemType.DISCOVERY_FAILED, "cannot reach " + url + ": " + e.getMessage(), e);
        }
        // PROTOCOL.md 2.6: what a domain answers when it does not speak PMP/1
        if (saysNoDocument(response.status())) {
            throw new NoDiscoveryDocumentException(url + " answered " + response.status()
                    + ": " + domain + " publishes no PMP/1 document");
        }
        if (response.status() == 200 && !Pmp.isJson(response.header("Content-Type").orElse(null))) {
            throw new NoDiscoveryDocumentException(url + " answered a " + response.header("Content-Type").orElse("untyped")
                    + " page, not a document: " + domain + " publishes no PMP/1 document");
        }
        if (response.status() != 200) {
            throw new ProtocolException(ProblemType.DISCOVERY_FAILED,
                    url + " answered " + response.status());
        }
        if (response.truncated()) {
            throw new ProtocolException(ProblemType.DISCOVERY_FAILED, "the discovery document is too large");
        }
        // the URLs must lie on the domain's own origin, or a static entry's (PROTOCOL.md 2.1, 2.4)
        DiscoveryDocument document = PmpJson.read(response.body(), DiscoveryDocument.class, ProblemType.DISCOVERY_FAILED)
                .validate(domain, policy.origin(domain));
        Instant now = clock.instant();
        Cached cached = new Cached(document, now, now.plus(ttl(response.header("Cache-Control").orElse(null))));
        cache.put(domain, cached);
        return cached;
    }

    /**
     * The answers of PROTOCOL.md 2.6 that say a domain serves no PMP/1 document: 404 and 410, a redirect (Pullmail
     * follows none: a domain it can reach serves its document itself, section 2.5), and 401, 403 or 405 (the
     * well-known path is not open to anyone). 408, 429 and 5xx are failures to retry.
     */
    static boolean saysNoDocument(int status) {
        return status == 404 || status == 410 || (status >= 300 && status < 400) || status == 401 || status == 403
                || status == 405;
    }

    /**
     * Refuses a URL of {@code domain} that is not on its origin (PROTOCOL.md 2.1): a fetch or status URL
     * stored from a notification is checked again before anything is sent to it.
     */
    public void requireOwnOrigin(String domain, URI url) throws ProtocolException {
        if (!policy.isOwnOrigin(domain, url)) {
            throw new ProtocolException(ProblemType.FETCH_URL_OUTSIDE_BASE,
                    url + " is not on " + policy.origin(domain) + ", the origin of " + domain);
        }
    }

    /** The cache lifetime PROTOCOL.md 2.2 gives a response with this Cache-Control. */
    public static Duration ttl(String cacheControl) {
        if (cacheControl == null) {
            return Pmp.DEFAULT_DISCOVERY_TTL;
        }
        String cc = cacheControl.toLowerCase(Locale.ROOT);
        if (cc.contains("no-store") || cc.contains("no-cache")) {
            return Pmp.MIN_DISCOVERY_TTL;
        }
        Matcher m = MAX_AGE.matcher(cc);
        if (!m.find()) {
            return Pmp.DEFAULT_DISCOVERY_TTL;
        }
        Duration maxAge = Duration.ofSeconds(Long.parseLong(m.group(1).length() > 9 ? "999999999" : m.group(1)));
        if (maxAge.compareTo(Pmp.MIN_DISCOVERY_TTL) < 0) {
            return Pmp.MIN_DISCOVERY_TTL;
        }
        return maxAge.compareTo(Pmp.MAX_DISCOVERY_TTL) > 0 ? Pmp.MAX_DISCOVERY_TTL : maxAge;
    }

    /**
     * Refuses hosts that resolve to any non-public address (PROTOCOL.md 8.2). This checks only: a client
     * that connects afterwards resolves again. PMP/1 exchanges go through {@link PeerClient}, which
     * connects to the addresses it checked.
     */
    public static void requirePublicHost(String host) throws ProtocolException {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new ProtocolException(ProblemType.DISCOVERY_FAILED, "cannot resolve " + host);
        }
        for (InetAddress address : addresses) {
            if (!PublicAddresses.isPublic(address)) {
                throw new ProtocolException(ProblemType.DISCOVERY_FAILED,
                        host + " resolves to a non-public address; PMP/1 does not connect there");
            }
        }
    }
}
