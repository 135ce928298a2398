package org.pullmail.bridge.outbound;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;

import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

/**
 * One SMTP transaction with one address of one host (Angus Mail): the exact signed bytes, the author as envelope sender, and each
 * recipient's reply. A host that cannot be reached, or whose TLS does not hold up where it must, throws; a host that
 * answered gives a {@link Reply} per recipient: its RCPT TO reply if it refused there, else the reply to the data.
 */
final class SmtpSender {

    /** An SMTP reply: its code and its text as the server wrote it. */
    record Reply(int code, String text) {

        boolean positive() {
            return code >= 200 && code < 300;
        }

        boolean permanent() {
            return code >= 500;
        }
    }

    /** The host could not take the message at all (connection, greeting, TLS): the next host is tried. */
    static final class Unreachable extends Exception {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One timer thread for every attempt: it only closes the sockets of attempts whose time is up. */
    private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

    private final OutboundProperties outbound;
    private final String heloName;
    private final SSLContext verifyingTls;

    SmtpSender(OutboundProperties outbound, String heloName, SSLContext verifyingTls) {
        this.outbound = outbound;
        this.heloName = heloName;
        this.verifyingTls = verifyingTls;
    }

    private static ScheduledThreadPoolExecutor deadlines() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "smtp-outbound-deadlines");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /**
     * One transaction with {@code host} at {@code address} (one the caller resolved and checked: nothing here resolves
     * again), within {@code deadline}: when it passes, the connection is closed wherever the transaction is.
     */
    Map<String, Reply> send(MxHost host, InetAddress address, String envelopeSender, List<String> recipients,
            SpooledMessage message, Deadline deadline) throws Unreachable {
        String where = host.host() + "[" + address.getHostAddress() + "]:" + host.port();
        if (deadline.passed()) {
            throw new Unreachable(where + ": not tried, the attempt's time is up", null);
        }
        PinnedSocketFactory sockets = new PinnedSocketFactory(address);
        Session session = Session.getInstance(properties(host, envelopeSender, sockets));
        Address[] to = new Address[recipients.size()];
        try {
            for (int i = 0; i < to.length; i++) {
                to[i] = new InternetAddress(recipients.get(i), false);
            }
        } catch (AddressException e) {
            throw new IllegalArgumentException("a recipient is no address: " + e.getMessage(), e);
        }
        ScheduledFuture<?> timer = DEADLINES.schedule(sockets::closeAll, deadline.remaining().toNanos(),
                TimeUnit.NANOSECONDS);
        try {
            return transaction(where, session, recipients, to, message, deadline);
        } finally {
            timer.cancel(false);
            sockets.closeAll();
        }
    }

    private Map<String, Reply> transaction(String where, Session session, List<String> recipients, Address[] to,
            SpooledMessage message, Deadline deadline) throws Unreachable {
        Map<String, Reply> replies = new LinkedHashMap<>();
        try (SMTPTransport transport = (SMTPTransport) session.getTransport("smtp")) {
            try {
                transport.connect();
            } catch (MessagingException e) {
                throw unreachable(where, e, deadline);
            }
            try {
                transport.sendMessage(new RawMessage(session, message), to);
                Reply data = new Reply(transport.getLastReturnCode(), transport.getLastServerResponse().trim());
                recipients.forEach(r -> replies.put(r, data));
            } catch (SendFailedException e) {
                Map<String, Reply> refusedAtRcpt = refusals(e);
                // the reply to MAIL FROM or to the data, when there was one; 250 when only some RCPTs were refused
                Reply data = e instanceof SMTPSendFailedException s
                        ? new Reply(s.getReturnCode(), s.getMessage().trim())
                        : null;
                for (String r : recipients) {
                    Reply refused = refusedAtRcpt.get(r.toLowerCase());
                    if (refused != null) {
                        replies.put(r, refused);
                    } else if (data != null && wasSent(e, r)) {
                        replies.put(r, data);
                    } else if (data != null && !data.positive()) {
                        replies.put(r, data);
                    } else if (data == null) {
                        // no data was sent (every recipient refused): one without a reply of its own waits
                        replies.put(r, new Reply(451, "not sent: no recipient was accepted"));
                    } else {
                        replies.put(r, new Reply(451, "not sent"));
                    }
                }
            } catch (MessagingException e) {
                throw unreachable(where, e, deadline);
            }
        } catch (MessagingException e) {
            // closing after the transaction: its results stand
        }
        return replies;
    }

    private static Unreachable unreachable(String where, MessagingException e, Deadline deadline) {
        return new Unreachable(where + ": " + (deadline.passed()
                ? "closed when the attempt's time was up (" + deadline.length() + ")" : describe(e)), e);
    }

    private static boolean wasSent(SendFailedException e, String recipient) {
        Address[] sent = e.getValidSentAddresses();
        if (sent == null) {
            return false;
        }
        for (Address a : sent) {
            if (a instanceof InternetAddress ia && ia.getAddress().equalsIgnoreCase(recipient)) {
                return true;
            }
        }
        return false;
    }

    /** Each recipient refused at RCPT TO, with the reply (Angus chains one exception per refused address). */
    private static Map<String, Reply> refusals(MessagingException e) {
        Map<String, Reply> refused = new HashMap<>();
        for (Exception x = e; x != null; x = x instanceof MessagingException m ? m.getNextException() : null) {
            if (x instanceof SMTPAddressFailedException f) {
                refused.put(f.getAddress().getAddress().toLowerCase(), new Reply(f.getReturnCode(), f.getMessage().trim()));
            }
        }
        return refused;
    }

    private static String describe(MessagingException e) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause()) {
            if (t.getMessage() != null && !parts.contains(t.getMessage())) {
                parts.add(t.getMessage());
            }
        }
        return String.join(": ", parts).lines().findFirst().orElse(e.toString());
    }

    /** The socket timeouts stay as configured: the deadline's timer, not a read timeout, ends an attempt in time. */
    private Properties properties(MxHost host, String envelopeSender, PinnedSocketFactory sockets) {
        Properties p = new Properties();
        p.put("mail.smtp.host", host.host());
        p.put("mail.smtp.port", Integer.toString(host.port()));
        p.put("mail.smtp.localhost", heloName);
        p.put("mail.smtp.from", envelopeSender);
        p.put("mail.smtp.connectiontimeout", Long.toString(outbound.connectTimeout().toMillis()));
        p.put("mail.smtp.timeout", Long.toString(outbound.timeout().toMillis()));
        p.put("mail.smtp.sendpartial", "true");
        p.put("mail.smtp.mailextension", "BODY=8BITMIME");
        p.put("mail.mime.allowutf8", "true");
        // the connection goes to the address the caller checked, never to one resolved again (DNS rebinding); the
        // host name stays what TLS verifies
        p.put("mail.smtp.socketFactory", sockets);
        p.put("mail.smtp.socketFactory.fallback", "false");
        p.put("mail.smtp.starttls.enable", "true");
        if (host.verifiedTls()) {
            // MTA-STS enforce: no TLS, no delivery; the certificate must be valid and name the MX host
            p.put("mail.smtp.starttls.required", "true");
            p.put("mail.smtp.ssl.checkserveridentity", "true");
            p.put("mail.smtp.ssl.socketFactory", verifyingTls.getSocketFactory());
        } else {
            // opportunistic (RFC 7435): TLS when offered, whatever the certificate, as MTAs do
            p.put("mail.smtp.ssl.trust", "*");
            p.put("mail.smtp.ssl.checkserveridentity", "false");
        }
        return p;
    }

    /** The exact bytes, written as they are: no header of Angus's own, no re-encoding. */
    /**
     * The exact bytes, streamed from the spool: Angus wants a MimeMessage, but nothing here is parsed or rewritten,
     * and nothing but {@link #writeTo} reads the content.
     */
    static final class RawMessage extends MimeMessage {
        private final SpooledMessage message;

        RawMessage(Session session, SpooledMessage message) {
            super(session);
            this.message = message;
        }

        @Override
        public void writeTo(OutputStream os, String[] ignoreList) throws IOException {
            message.writeTo(os);
        }

        @Override
        public void writeTo(OutputStream os) throws IOException {
            message.writeTo(os);
        }

        @Override
        public int getSize() {
            return (int) Math.min(Integer.MAX_VALUE, message.size());
        }
    }

    /**
     * Plain sockets that connect to one address whatever host name they are given (Angus passes the MX host's
     * name), all closed by {@link #closeAll} when the attempt's deadline passes.
     */
    static final class PinnedSocketFactory extends SocketFactory {
        private final InetAddress address;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        PinnedSocketFactory(InetAddress address) {
            this.address = address;
        }

        void closeAll() {
            for (Socket s : sockets) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing to stop it: nothing else to do
                }
            }
        }

        private Socket track(Socket s) {
            sockets.add(s);
            return s;
        }

        @Override
        public Socket createSocket() {
            return track(new Socket() {
                @Override
                public void connect(SocketAddress endpoint, int timeout) throws IOException {
                    super.connect(new InetSocketAddress(address, ((InetSocketAddress) endpoint).getPort()), timeout);
                }
            });
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            Socket s = createSocket();
            s.connect(new InetSocketAddress(address, port));
            return s;
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localAddress, int localPort) throws IOException {
            return track(new Socket(address, port, localAddress, localPort));
        }

        @Override
        public Socket createSocket(InetAddress ignored, int port) throws IOException {
            return createSocket(address.getHostAddress(), port);
        }

        @Override
        public Socket createSocket(InetAddress ignored, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return track(new Socket(address, port, localAddress, localPort));
        }
    }
}
