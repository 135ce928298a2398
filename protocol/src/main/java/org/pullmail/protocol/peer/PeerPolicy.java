package org.pullmail.protocol.peer;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.pullmail.protocol.Pmp;

/**
 * Where a domain's PMP/1 URLs may point (PROTOCOL.md 2.1, 2.4 and 8.2). A domain found through
 * {@code https://{domain}/.well-known/pullmail} has its notify_url and fetch_base on its own origin,
 * {@code https://{domain}} on the default port, and is reached only at public addresses. A domain with
 * a static entry has them on the origin of the entry's base URL, which the operator wrote, and is
 * reached wherever that points; nothing a fetched document says widens either.
 */
public final class PeerPolicy {

    private final Map<String, URI> staticEntries;
    private final Set<String> operatorHosts;
    private final boolean allowPrivateAddresses;

    /**
     * @param staticEntries         domain → base URL of its discovery document (PROTOCOL.md 2.4)
     * @param allowPrivateAddresses only for test rigs on one machine: any host may be reached at any address
     */
    public PeerPolicy(Map<String, URI> staticEntries, boolean allowPrivateAddresses) {
        Map<String, URI> entries = new HashMap<>();
        Set<String> hosts = new HashSet<>();
        staticEntries.forEach((domain, base) -> {
            if (base.getHost() == null || !("http".equalsIgnoreCase(base.getScheme())
                    || "https".equalsIgnoreCase(base.getScheme()))) {
                throw new IllegalArgumentException("the static entry of " + domain + " is no http(s) URL: " + base);
            }
            entries.put(domain.toLowerCase(Locale.ROOT), base);
            hosts.add(hostName(base));
        });
        this.staticEntries = Map.copyOf(entries);
        this.operatorHosts = Set.copyOf(hosts);
        this.allowPrivateAddresses = allowPrivateAddresses;
    }

    /** No static entries, public addresses only: production discovery. */
    public static PeerPolicy publicOnly() {
        return new PeerPolicy(Map.of(), false);
    }

    public Optional<URI> staticEntry(String domain) {
        return Optional.ofNullable(staticEntries.get(domain.toLowerCase(Locale.ROOT)));
    }

    public Map<String, URI> staticEntries() {
        return staticEntries;
    }

    public boolean allowPrivateAddresses() {
        return allowPrivateAddresses;
    }

    /** Where the domain's discovery document is read. */
    public URI discoveryUrl(String domain) {
        return staticEntry(domain)
                .map(base -> URI.create(stripSlash(base.toString()) + Pmp.WELL_KNOWN_PATH))
                .orElseGet(() -> URI.create("https://" + domain.toLowerCase(Locale.ROOT) + Pmp.WELL_KNOWN_PATH));
    }

    /** The origin every PMP/1 URL of {@code domain} must have: its static entry's, else {@code https://{domain}}. */
    public URI origin(String domain) {
        URI base = staticEntry(domain).orElse(null);
        try {
            return base != null
                    ? new URI(base.getScheme().toLowerCase(Locale.ROOT), null, hostName(base), base.getPort(), null, null, null)
                    : new URI("https", domain.toLowerCase(Locale.ROOT), null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("no origin for " + domain, e);
        }
    }

    /** True when {@code url} has exactly {@code domain}'s origin (scheme, host, port) and no user info. */
    public boolean isOwnOrigin(String domain, URI url) {
        return hasOrigin(url, origin(domain));
    }

    /** True when {@code url} has the scheme, host and (effective) port of {@code origin}, and no user info. */
    public static boolean hasOrigin(URI url, URI origin) {
        return url != null && url.isAbsolute() && url.getHost() != null && url.getRawUserInfo() == null
                && origin.getScheme().equalsIgnoreCase(url.getScheme())
                && hostName(origin).equals(hostName(url))
                && effectivePort(origin) == effectivePort(url);
    }

    /**
     * May a connection to {@code host} go to a non-public address? Only to a host an operator named in
     * a static entry, or anywhere on a test rig.
     */
    boolean mayReachPrivateAddresses(String host) {
        return allowPrivateAddresses || operatorHosts.contains(normalizeHost(host));
    }

    static int effectivePort(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static String hostName(URI uri) {
        return normalizeHost(uri.getHost());
    }

    /** Lowercase, without the brackets of an IPv6 literal (HTTP clients pass the host either way). */
    static String normalizeHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
