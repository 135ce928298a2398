package org.pullmail.bridge.outbound;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.pullmail.protocol.discovery.PublicAddresses;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Where mail for a domain goes (RFC 5321 5.1): the smarthost when one is configured; else the domain's MX hosts in
 * order of preference (the first {@value #MAX_MX_HOSTS}), or, without MX records, the domain itself when it has an address. A null MX (RFC 7505) or
 * a domain that does not exist fails at once; a DNS failure is retried. The recipient domain's MTA-STS policy
 * ({@link MtaSts}) then decides: {@code enforce} keeps only the MX hosts it names, each with verified TLS, and none
 * left means no delivery now; {@code testing} only logs a mismatch.
 */
final class Routes {

    private static final Logger log = LoggerFactory.getLogger(Routes.class);
    /** MX hosts tried per attempt, the most preferred first: a long list must not stretch an attempt without end. */
    static final int MAX_MX_HOSTS = 5;

    /**
     * Where one host may be reached: its addresses, checked (every one of them, as the peer client checks a PMP/1
     * host), or none with the reason; {@code refused} when the host is at a non-public address.
     */
    record Reach(List<InetAddress> addresses, String problem, boolean refused) {
    }

    private final Dns dns;
    private final MtaSts mtaSts;
    private final OutboundProperties outbound;
    private final Predicate<InetAddress> isPublic;

    Routes(Dns dns, MtaSts mtaSts, OutboundProperties outbound) {
        this.dns = dns;
        this.mtaSts = mtaSts;
        this.outbound = outbound;
        this.isPublic = outbound.allowPrivateAddresses() ? a -> true : PublicAddresses::isPublic;
    }

    /**
     * The addresses to connect to for {@code host}, looked up once: the connection goes to exactly these. An MX
     * host with any non-public address (loopback, private, link-local such as 169.254.169.254) is refused whole,
     * so that DNS cannot point the bridge at this network's own services; the smarthost is the operator's choice.
     */
    Reach reach(MxHost host) {
        String name = host.host();
        List<InetAddress> addresses;
        if (IP_LITERAL.matcher(name).matches() || name.contains(":")) {
            try {
                addresses = List.of(InetAddress.getByName(name));
            } catch (UnknownHostException e) {
                return new Reach(List.of(), name + " is no address", false);
            }
        } else {
            Dns.Addresses found = dns.addresses(name);
            if (found.outcome() == Dns.Outcome.FAILED) {
                return new Reach(List.of(), "the address of " + name + " cannot be looked up now", false);
            }
            if (found.addresses().isEmpty()) {
                return new Reach(List.of(), name + " has no address", false);
            }
            addresses = found.addresses();
        }
        if (!host.smarthost()) {
            for (InetAddress a : addresses) {
                if (!isPublic.test(a)) {
                    return new Reach(List.of(), name + " resolves to the non-public address " + a.getHostAddress()
                            + "; mail is not delivered there", true);
                }
            }
        }
        return new Reach(addresses, null, false);
    }

    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+");

    /** The hosts to try in order: the smarthost, or at most {@link #MAX_MX_HOSTS} of the domain's MX hosts. */
    List<MxHost> to(String domain) throws DeliveryFailure {
        if (outbound.smarthost() != null && !outbound.smarthost().isBlank()) {
            return List.of(smarthost(outbound.smarthost()));
        }
        List<MxHost> hosts = mxHosts(domain);
        Optional<MtaSts.Policy> policy = mtaSts.policy(domain);
        if (policy.isEmpty() || policy.get().mode() == MtaSts.Mode.NONE) {
            return first(hosts);
        }
        List<MxHost> allowed = new ArrayList<>();
        for (MxHost host : hosts) {
            if (policy.get().allows(host.host())) {
                allowed.add(new MxHost(host.host(), host.port(), policy.get().mode() == MtaSts.Mode.ENFORCE));
            }
        }
        if (policy.get().mode() == MtaSts.Mode.TESTING) {
            if (allowed.size() < hosts.size()) {
                log.warn("MTA-STS (testing) of {}: MX hosts {} are not named by its policy {}; delivering anyway",
                        domain, hosts.stream().map(MxHost::host).toList(), policy.get().mx());
            }
            return first(hosts);
        }
        if (allowed.isEmpty()) {
            throw DeliveryFailure.temporary("the MTA-STS policy of " + domain + " (enforce) names none of its MX hosts "
                    + hosts.stream().map(MxHost::host).toList() + " (it allows " + policy.get().mx()
                    + "): not delivered");
        }
        return first(allowed);
    }

    /** At most {@link #MAX_MX_HOSTS}, in preference order: cut after the policy chose, not before. */
    private static List<MxHost> first(List<MxHost> hosts) {
        return hosts.size() <= MAX_MX_HOSTS ? hosts : List.copyOf(hosts.subList(0, MAX_MX_HOSTS));
    }

    private List<MxHost> mxHosts(String domain) throws DeliveryFailure {
        Dns.Answer mx = dns.ask(domain, Type.MX);
        switch (mx.outcome()) {
            case NO_SUCH_NAME -> throw DeliveryFailure.permanent("the domain " + domain + " does not exist");
            case FAILED -> throw DeliveryFailure.temporary("the MX records of " + domain + " cannot be looked up now");
            case NO_RECORDS -> {
                // no MX: the domain itself is the mail host, if it has an address (RFC 5321 5.1)
                Dns.Addresses addresses = dns.addresses(domain);
                if (addresses.outcome() == Dns.Outcome.FAILED) {
                    throw DeliveryFailure.temporary(domain + " has no MX records and its address cannot be looked"
                            + " up now");
                }
                if (addresses.addresses().isEmpty()) {
                    throw DeliveryFailure.permanent(domain + " has neither MX records nor an address");
                }
                return List.of(new MxHost(domain, outbound.mxPort(), false));
            }
            case FOUND -> {
                List<MXRecord> records = new ArrayList<>();
                for (Record r : mx.records()) {
                    if (r instanceof MXRecord m) {
                        records.add(m);
                    }
                }
                if (records.size() == 1 && records.get(0).getTarget().equals(Name.root)) {
                    throw DeliveryFailure.permanent(domain + " accepts no mail (null MX, RFC 7505)");
                }
                records.sort(Comparator.comparingInt(MXRecord::getPriority));
                List<MxHost> hosts = new ArrayList<>();
                for (MXRecord r : records) {
                    if (!r.getTarget().equals(Name.root)) {
                        hosts.add(new MxHost(r.getTarget().toString(true), outbound.mxPort(), false));
                    }
                }
                return hosts;
            }
            default -> throw new IllegalStateException();
        }
    }

    private static MxHost smarthost(String hostAndPort) {
        String s = hostAndPort.trim();
        int colon = s.lastIndexOf(':');
        if (colon > 0 && s.indexOf(':') == colon) {
            return new MxHost(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)), false, true);
        }
        return new MxHost(s, 25, false, true);
    }
}
