package org.pullmail.bridge.outbound;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The DNS questions of outbound delivery, asked of the bridge's one resolver (never dnsjava's process-wide
 * default), without a cache of dnsjava's own: answers of a name that does not exist, of a name without the type,
 * and of a failure to answer are told apart, since the first two are final and the last is retried.
 */
final class Dns {

    enum Outcome { FOUND, NO_SUCH_NAME, NO_RECORDS, FAILED }

    record Answer(Outcome outcome, List<Record> records) {
    }

    private final Resolver resolver;

    Dns(Resolver resolver) {
        this.resolver = resolver;
    }

    Answer ask(String name, int type) {
        Lookup lookup;
        try {
            lookup = new Lookup(Name.fromString(name.endsWith(".") ? name : name + "."), type);
        } catch (TextParseException e) {
            return new Answer(Outcome.NO_SUCH_NAME, List.of());
        }
        lookup.setResolver(resolver);
        lookup.setCache(null);
        Record[] records = lookup.run();
        return switch (lookup.getResult()) {
            case Lookup.SUCCESSFUL -> new Answer(Outcome.FOUND, records == null ? List.of() : List.of(records));
            case Lookup.HOST_NOT_FOUND -> new Answer(Outcome.NO_SUCH_NAME, List.of());
            case Lookup.TYPE_NOT_FOUND -> new Answer(Outcome.NO_RECORDS, List.of());
            default -> new Answer(Outcome.FAILED, List.of());
        };
    }

    /**
     * A host's addresses, IPv4 first, and how the lookups went: {@code FAILED} when a lookup went unanswered (or
     * failed) and gave nothing, which a retry may mend; otherwise {@code NO_SUCH_NAME} or {@code NO_RECORDS} when
     * there are none, which is final.
     */
    record Addresses(Outcome outcome, List<InetAddress> addresses) {
    }

    Addresses addresses(String host) {
        Answer a = ask(host, Type.A);
        Answer aaaa = ask(host, Type.AAAA);
        List<InetAddress> addresses = new ArrayList<>();
        for (Record r : a.records()) {
            if (r instanceof ARecord ar) {
                addresses.add(ar.getAddress());
            }
        }
        for (Record r : aaaa.records()) {
            if (r instanceof AAAARecord ar) {
                addresses.add(ar.getAddress());
            }
        }
        if (!addresses.isEmpty()) {
            return new Addresses(Outcome.FOUND, List.copyOf(addresses));
        }
        if (a.outcome() == Outcome.FAILED || aaaa.outcome() == Outcome.FAILED) {
            return new Addresses(Outcome.FAILED, List.of());
        }
        return new Addresses(a.outcome() == Outcome.NO_SUCH_NAME && aaaa.outcome() == Outcome.NO_SUCH_NAME
                ? Outcome.NO_SUCH_NAME : Outcome.NO_RECORDS, List.of());
    }

    /** Each TXT record's strings joined, as RFC 8461 and RFC 7208 read them. */
    static String text(Record r) {
        return r instanceof TXTRecord txt ? String.join("", txt.getStrings()) : "";
    }
}
