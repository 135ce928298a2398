package org.pullmail.bridge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.pullmail.testing.TestDns;
import org.xbill.DNS.Message;

/**
 * A DNS server in front of a {@link TestDns} that notes every question with its time and never answers questions
 * about the domains a test holds: a sender's DNS that does not answer, which is what the bridge's deadline is for.
 */
final class HeldDns implements AutoCloseable {

    /** A question as it arrived. */
    record Question(String name, Instant at) {
    }

    final List<Question> asked = new CopyOnWriteArrayList<>();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final DatagramSocket socket;
    private final InetSocketAddress upstream;

    HeldDns(TestDns upstream) {
        this.upstream = new InetSocketAddress(InetAddress.getLoopbackAddress(), upstream.port());
        try {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
        Thread thread = new Thread(this::serve, "held-dns");
        thread.setDaemon(true);
        thread.start();
    }

    String server() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    /** Questions about the domain and its subdomains get no answer until {@link #release}. */
    void hold(String domain) {
        held.add(domain.toLowerCase(Locale.ROOT));
    }

    void release(String domain) {
        held.remove(domain.toLowerCase(Locale.ROOT));
    }

    /** When the first question about the domain or a subdomain arrived. */
    Optional<Instant> firstAsked(String domain) {
        return asked.stream().filter(q -> within(q.name(), domain)).map(Question::at).findFirst();
    }

    private static boolean within(String name, String domain) {
        return name.equals(domain) || name.endsWith("." + domain);
    }

    private void serve() {
        byte[] buffer = new byte[4096];
        while (!socket.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                byte[] query = Arrays.copyOf(packet.getData(), packet.getLength());
                String name = new Message(query).getQuestion().getName().toString(true).toLowerCase(Locale.ROOT);
                asked.add(new Question(name, Instant.now()));
                if (held.stream().anyMatch(d -> within(name, d))) {
                    continue;
                }
                try (DatagramSocket forward = new DatagramSocket()) {
                    forward.setSoTimeout(2000);
                    forward.send(new DatagramPacket(query, query.length, upstream));
                    DatagramPacket answer = new DatagramPacket(new byte[4096], 4096);
                    forward.receive(answer);
                    socket.send(new DatagramPacket(answer.getData(), answer.getLength(), packet.getSocketAddress()));
                }
            } catch (IOException e) {
                if (socket.isClosed()) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
