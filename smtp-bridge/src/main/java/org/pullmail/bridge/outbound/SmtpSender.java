package org.pullmail.bridge.outbound;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

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
 * One SMTP transaction with one host (Angus Mail): the exact signed bytes, the author as envelope sender, and each
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

    private final OutboundProperties outbound;
    private final String heloName;
    private final Dns dns;
    private final SSLContext verifyingTls;

    SmtpSender(OutboundProperties outbound, String heloName, Dns dns, SSLContext verifyingTls) {
        this.outbound = outbound;
        this.heloName = heloName;
        this.dns = dns;
        this.verifyingTls = verifyingTls;
    }

    Map<String, Reply> send(MxHost host, String envelopeSender, List<String> recipients, byte[] message)
            throws Unreachable {
        Session session = Session.getInstance(properties(host, envelopeSender));
        Address[] to = new Address[recipients.size()];
        try {
            for (int i = 0; i < to.length; i++) {
                to[i] = new InternetAddress(recipients.get(i), false);
            }
        } catch (AddressException e) {
            throw new IllegalArgumentException("a recipient is no address: " + e.getMessage(), e);
        }
        Map<String, Reply> replies = new LinkedHashMap<>();
        try (SMTPTransport transport = (SMTPTransport) session.getTransport("smtp")) {
            try {
                transport.connect();
            } catch (MessagingException e) {
                throw new Unreachable(host.host() + ":" + host.port() + ": " + describe(e), e);
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
                throw new Unreachable(host.host() + ":" + host.port() + ": " + describe(e), e);
            }
        } catch (MessagingException e) {
            // closing after the transaction: its results stand
        }
        return replies;
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

    private Properties properties(MxHost host, String envelopeSender) {
        Properties p = new Properties();
        p.put("mail.smtp.host", host.host());
        p.put("mail.smtp.port", Integer.toString(host.port()));
        p.put("mail.smtp.localhost", heloName);
        p.put("mail.smtp.from", envelopeSender);
        p.put("mail.smtp.connectiontimeout", Long.toString(outbound.connectTimeout().toMillis()));
        p.put("mail.smtp.timeout", Long.toString(outbound.timeout().toMillis()));
        p.put("mail.smtp.writetimeout", Long.toString(outbound.timeout().toMillis()));
        p.put("mail.smtp.sendpartial", "true");
        p.put("mail.smtp.mailextension", "BODY=8BITMIME");
        p.put("mail.mime.allowutf8", "true");
        // names resolve through the bridge's DNS, not the JVM's: MX hosts are names the bridge looked up
        p.put("mail.smtp.socketFactory", new ResolvingSocketFactory(dns));
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
    static final class RawMessage extends MimeMessage {
        private final byte[] bytes;

        RawMessage(Session session, byte[] bytes) throws MessagingException {
            super(session, new ByteArrayInputStream(bytes));
            this.bytes = bytes;
        }

        @Override
        public void writeTo(OutputStream os, String[] ignoreList) throws IOException {
            os.write(bytes);
        }

        @Override
        public void writeTo(OutputStream os) throws IOException {
            os.write(bytes);
        }
    }

    /** Plain sockets whose host names resolve through the bridge's DNS (an IP literal stays as it is). */
    static final class ResolvingSocketFactory extends SocketFactory {
        private final Dns dns;

        ResolvingSocketFactory(Dns dns) {
            this.dns = dns;
        }

        private InetAddress resolve(String host) throws UnknownHostException {
            if (host.matches("[0-9.]+") || host.contains(":")) {
                return InetAddress.getByName(host);
            }
            List<InetAddress> addresses = dns.addresses(host);
            if (addresses.isEmpty()) {
                throw new UnknownHostException(host + " has no address");
            }
            return addresses.get(0);
        }

        @Override
        public Socket createSocket() {
            return new Socket() {
                @Override
                public void connect(SocketAddress endpoint, int timeout) throws IOException {
                    InetSocketAddress at = (InetSocketAddress) endpoint;
                    super.connect(new InetSocketAddress(resolve(at.getHostString()), at.getPort()), timeout);
                }
            };
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            Socket s = createSocket();
            s.connect(InetSocketAddress.createUnresolved(host, port));
            return s;
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localAddress, int localPort) throws IOException {
            return new Socket(resolve(host), port, localAddress, localPort);
        }

        @Override
        public Socket createSocket(InetAddress address, int port) throws IOException {
            return new Socket(address, port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return new Socket(address, port, localAddress, localPort);
        }
    }
}
