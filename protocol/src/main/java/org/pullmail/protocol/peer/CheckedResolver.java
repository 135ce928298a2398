package org.pullmail.protocol.peer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.apache.hc.client5.http.DnsResolver;

/**
 * Resolves a host once, checks every address it got, and hands exactly those addresses to the
 * connection: the HTTP client connects to what was checked and never resolves again, so DNS
 * rebinding (a public answer for the check, a private one for the connection) has no second lookup
 * to exploit (PROTOCOL.md 8.2).
 */
final class CheckedResolver implements DnsResolver {

    /** How a host name becomes addresses; {@link InetAddress#getAllByName} outside tests. */
    @FunctionalInterface
    interface Lookup {
        InetAddress[] addresses(String host) throws UnknownHostException;
    }

    private final PeerPolicy policy;
    private final Lookup lookup;
    private final Predicate<InetAddress> isPublic;

    CheckedResolver(PeerPolicy policy, Lookup lookup, Predicate<InetAddress> isPublic) {
        this.policy = policy;
        this.lookup = lookup;
        this.isPublic = isPublic;
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        String name = PeerPolicy.normalizeHost(host);
        InetAddress[] addresses = lookup.addresses(name);
        if (addresses == null || addresses.length == 0) {
            throw new UnknownHostException(name);
        }
        if (!policy.mayReachPrivateAddresses(name)) {
            for (InetAddress address : addresses) {
                if (!isPublic.test(address)) {
                    throw new NonPublicAddressException(name);
                }
            }
        }
        return addresses.clone();
    }

    /** Resolved socket addresses only: an unresolved one would make the socket resolve on its own. */
    @Override
    public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
        List<InetSocketAddress> endpoints = new ArrayList<>();
        for (InetAddress address : resolve(host)) {
            endpoints.add(new InetSocketAddress(address, port));
        }
        return endpoints;
    }

    @Override
    public String resolveCanonicalHostname(String host) {
        return host;
    }
}
