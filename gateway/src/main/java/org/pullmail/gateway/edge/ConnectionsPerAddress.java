package org.pullmail.gateway.edge;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.util.IO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the connections one client address holds open, at the moment Jetty accepts them: a connection over
 * the cap is closed before a byte of it is read, so a client that opens connections and trickles into them
 * (headers or bodies) holds at most this many sockets, and never a request thread.
 */
final class ConnectionsPerAddress implements SelectorManager.AcceptListener {

    private static final Logger log = LoggerFactory.getLogger(ConnectionsPerAddress.class);

    private final int max;
    private final Map<InetAddress, Integer> open = new ConcurrentHashMap<>();
    /** Which address each counted channel was counted for (a closed channel no longer says). */
    private final Map<SelectableChannel, InetAddress> counted = new ConcurrentHashMap<>();

    ConnectionsPerAddress(int max) {
        this.max = max;
    }

    @Override
    public void onAccepting(SelectableChannel channel) {
        InetAddress address = remoteAddress(channel);
        if (address == null) {
            return;
        }
        counted.put(channel, address);
        int now = open.merge(address, 1, Integer::sum);
        if (now > max) {
            log.debug("closing a connection from {}: it has {} open", address, now - 1);
            IO.close(channel); // Jetty then reports onAcceptFailed, which gives the count back
        }
    }

    @Override
    public void onAcceptFailed(SelectableChannel channel, Throwable cause) {
        release(channel);
    }

    @Override
    public void onClosed(SelectableChannel channel) {
        release(channel);
    }

    private void release(SelectableChannel channel) {
        InetAddress address = counted.remove(channel);
        if (address != null) {
            open.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        }
    }

    private static InetAddress remoteAddress(SelectableChannel channel) {
        try {
            return channel instanceof SocketChannel socket && socket.getRemoteAddress() instanceof InetSocketAddress inet
                    ? inet.getAddress() : null;
        } catch (IOException closedAlready) {
            return null;
        }
    }
}
