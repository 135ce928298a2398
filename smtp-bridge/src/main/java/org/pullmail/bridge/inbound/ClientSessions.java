package org.pullmail.bridge.inbound;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

/**
 * The SMTP sessions: at most {@code connectionsPerClient} at once per client (an IPv4 address or an IPv6 /64, as
 * {@link ClientLimits#clientOf} counts; {@code 421} beyond), each closed with {@code 421 4.4.2} when it outlives the
 * session deadline (a client trickling a byte now and then never goes idle), and what a session has done that later
 * commands are judged by (the recipients refused so far). SubEthaSMTP's own limiter counts exact addresses only.
 */
final class ClientSessions implements SessionHandler, AutoCloseable {

    /** What one session has done so far. */
    static final class State {

        private final AtomicInteger refusedRecipients = new AtomicInteger();
        private volatile ScheduledFuture<?> deadline;

        int refusedRecipients() {
            return refusedRecipients.get();
        }

        void recipientRefused() {
            refusedRecipients.incrementAndGet();
        }
    }

    private final int perClient;
    private final Duration sessionDeadline;
    private final SmtpMetrics metrics;
    private final Map<String, Integer> connections = new ConcurrentHashMap<>();
    private final Map<Session, State> sessions = new ConcurrentHashMap<>();
    private final Map<Session, String> clients = new ConcurrentHashMap<>();
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "smtp-session-deadlines");
        thread.setDaemon(true);
        return thread;
    });

    ClientSessions(int perClient, Duration sessionDeadline, SmtpMetrics metrics) {
        this.perClient = perClient;
        this.sessionDeadline = sessionDeadline;
        this.metrics = metrics;
    }

    @Override
    public SessionAcceptance accept(Session session) {
        String client = ClientLimits.clientOf(BridgeTransaction.clientIp(session.getRemoteAddress()));
        boolean[] admitted = {false};
        connections.compute(client, (k, n) -> {
            int count = n == null ? 0 : n;
            admitted[0] = count < perClient;
            return admitted[0] ? count + 1 : (n == null ? null : n);
        });
        metrics.session(admitted[0]);
        if (!admitted[0]) {
            return SessionAcceptance.failure(421, "4.7.0 Too many connections from your network, try again later");
        }
        State state = new State();
        clients.put(session, client);
        sessions.put(session, state);
        state.deadline = deadlines.schedule(() -> expire(session), sessionDeadline.toMillis(), TimeUnit.MILLISECONDS);
        return SessionAcceptance.success();
    }

    @Override
    public void onSessionEnd(Session session) {
        State state = sessions.remove(session);
        if (state != null && state.deadline != null) {
            state.deadline.cancel(false);
        }
        String client = clients.remove(session);
        if (client != null) {
            connections.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** The session's state; a fresh one for a context this handler did not accept. */
    State of(MessageContext context) {
        State state = context instanceof Session session ? sessions.get(session) : null;
        return state != null ? state : new State();
    }

    /** Closes the connection under the client: its thread, blocked reading, ends the session. */
    private void expire(Session session) {
        if (!sessions.containsKey(session)) {
            return;
        }
        metrics.message("session-deadline");
        try {
            session.sendResponse("421 4.4.2 " + session.getServer().getHostName()
                    + " the session lasted too long, closing connection");
        } catch (IOException | RuntimeException e) {
            // the client may be gone already; the socket is closed below either way
        }
        try {
            session.closeSocket();
        } catch (IOException e) {
            // closed
        }
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
    }
}
