package org.pullmail.bridge.dns;

import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import org.pullmail.bridge.config.BridgeProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;

/**
 * The one DNS resolver the bridge asks (SPF, DKIM keys, DMARC policies): the servers of
 * {@code pullmail.bridge.dns.servers}, else the system's. It is handed to every library explicitly; dnsjava's
 * process-wide default resolver is never changed.
 */
@Configuration(proxyBeanMethods = false)
public class DnsResolvers {

    @Bean
    Resolver dnsResolver(BridgeProperties bridge) throws UnknownHostException {
        BridgeProperties.Dns dns = bridge.dns();
        ExtendedResolver resolver;
        if (dns.servers().isEmpty()) {
            resolver = new ExtendedResolver(); // /etc/resolv.conf
        } else {
            List<Resolver> servers = new ArrayList<>();
            for (String server : dns.servers()) {
                servers.add(new SimpleResolver(address(server)));
            }
            resolver = new ExtendedResolver(servers);
        }
        resolver.setTimeout(dns.timeout());
        resolver.setRetries(1);
        return resolver;
    }

    /** {@code host:port}, {@code host} (port 53) or {@code [v6]:port}. */
    static InetSocketAddress address(String server) {
        String s = server.trim();
        int colon = s.lastIndexOf(':');
        boolean hasPort = colon > 0 && (s.indexOf(':') == colon || s.startsWith("["));
        String host = hasPort ? s.substring(0, colon) : s;
        int port = hasPort ? Integer.parseInt(s.substring(colon + 1)) : 53;
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, port);
    }
}
