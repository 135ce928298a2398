package org.pullmail.conformance;

import java.net.URI;
import java.security.PublicKey;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.peer.PeerClient;
import org.pullmail.protocol.peer.PeerPolicy;

/**
 * The only domains the kit discovers: the deployment under test, through BASE_URL, and the kit's own
 * peer domain on loopback, each as a static entry (PROTOCOL.md 2.4). Any other domain is refused here,
 * before the discovery client is asked, because the client would fall back to
 * {@code https://<domain>/.well-known/pullmail}: the kit connects to nothing but the target and itself.
 */
final class KnownDomains {

    private final Map<String, URI> known;
    private final DiscoveryClient client;

    /** @param known domain → base URL; the target and the kit's peer domain, nothing else */
    KnownDomains(Map<String, URI> known) {
        this(known, builder -> { });
    }

    /** @param observer sees the HTTP client as it is built (tests record where it connects) */
    KnownDomains(Map<String, URI> known, Consumer<HttpClientBuilder> observer) {
        this.known = Map.copyOf(known);
        // loopback allowed: both entries are static, and no other domain ever reaches the client
        this.client = new DiscoveryClient(PeerClient.builder().policy(new PeerPolicy(this.known, true))
                .customizer(observer).build(), Clock.systemUTC());
    }

    DiscoveryDocument discover(String domain) throws ProtocolException {
        return client.discover(known(domain));
    }

    PublicKey key(String domain, String keyId) throws ProtocolException {
        return client.key(known(domain), keyId);
    }

    private String known(String domain) throws ProtocolException {
        String name = domain == null ? "" : domain.toLowerCase(Locale.ROOT);
        if (!known.containsKey(name)) {
            throw new ProtocolException(ProblemType.DISCOVERY_FAILED,
                    "the conformance kit discovers only " + String.join(" and ", known.keySet().stream().sorted().toList())
                            + ", not " + domain);
        }
        return name;
    }
}
