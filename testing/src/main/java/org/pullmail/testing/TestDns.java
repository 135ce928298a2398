package org.pullmail.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Master;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * An authoritative DNS server on 127.0.0.1 (UDP, a free port) whose records a test writes and changes at will: the
 * MX, SPF, DKIM, DMARC and MTA-STS records the SMTP bridge's tests need, without any name leaving this machine.
 * A name it does not hold answers NXDOMAIN; a name it holds without the asked type answers an empty NOERROR.
 * Records served with TTL 0 are not kept in any resolver's cache, so a change is seen at the next lookup.
 */
public final class TestDns implements AutoCloseable {

    private final DatagramSocket socket;
    private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
    /** Name → the query types left unanswered (empty: all of them). */
    private final Map<Name, Set<Integer>> dropped = new ConcurrentHashMap<>();

    public TestDns() {
        try {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
        Thread thread = new Thread(this::serve, "test-dns");
        thread.setDaemon(true);
        thread.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** {@code 127.0.0.1:port}, as DNS server settings take it. */
    public String server() {
        return "127.0.0.1:" + port();
    }

    /** Adds records written as in a zone file, one per line: {@code legacy.test. 0 IN TXT "v=spf1 -all"}. */
    public void add(String zoneText) {
        try (Master zone = new Master(new ByteArrayInputStream(zoneText.getBytes(StandardCharsets.UTF_8)), Name.root, 0)) {
            for (Record r = zone.nextRecord(); r != null; r = zone.nextRecord()) {
                records.computeIfAbsent(r.getName(), k -> new CopyOnWriteArrayList<>()).add(r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes every record of the name (given with its final dot). */
    public void remove(String name) {
        try {
            records.remove(Name.fromString(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void clear() {
        records.clear();
        dropped.clear();
    }

    /**
     * Leaves the name's queries of {@code types} (given as {@link Type} values; none: every type) unanswered, as a
     * server that times out does: a resolver sees a failed lookup, not a name without records. Until
     * {@link #answerQueriesFor}.
     */
    public void dropQueriesFor(String name, int... types) {
        Set<Integer> which = ConcurrentHashMap.newKeySet();
        Arrays.stream(types).forEach(which::add);
        dropped.put(name(name), which);
    }

    /** Answers the name's queries again. */
    public void answerQueriesFor(String name) {
        dropped.remove(name(name));
    }

    private static Name name(String name) {
        try {
            return Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void serve() {
        byte[] buffer = new byte[4096];
        while (!socket.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                Message query = new Message(Arrays.copyOf(packet.getData(), packet.getLength()));
                Record question = query.getQuestion();
                Set<Integer> drop = dropped.get(question.getName());
                if (drop != null && (drop.isEmpty() || drop.contains(question.getType()))) {
                    continue;
                }
                Message answer = new Message(query.getHeader().getID());
                answer.getHeader().setFlag(Flags.QR);
                answer.getHeader().setFlag(Flags.AA);
                if (query.getHeader().getFlag(Flags.RD)) {
                    answer.getHeader().setFlag(Flags.RD);
                }
                answer.addRecord(question, Section.QUESTION);
                List<Record> atName = records.get(question.getName());
                if (atName == null) {
                    answer.getHeader().setRcode(Rcode.NXDOMAIN);
                } else {
                    for (Record r : atName) {
                        if (r.getType() == question.getType() || question.getType() == Type.ANY) {
                            answer.addRecord(r, Section.ANSWER);
                        }
                    }
                }
                byte[] out = answer.toWire();
                socket.send(new DatagramPacket(out, out.length, packet.getSocketAddress()));
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    // a malformed query: answer the next one
                    continue;
                }
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
