package org.pullmail.bridge.inbound;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.ProtocolException;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.Session;

/**
 * One SMTP mail transaction: the client's message rate at MAIL FROM, each recipient at RCPT TO (this domain only,
 * no open relay; a mailbox must exist), the message at DATA.
 */
final class BridgeTransaction implements MessageHandler {

    private static final int MAX_HELO = 255;

    private final MessageContext context;
    private final String domain;
    private final ClientLimits limits;
    private final MailboxLookup mailboxes;
    private final LegacyMailReceiver receiver;
    private final SmtpMetrics metrics;
    private final String clientIp;
    private final List<String> recipients = new ArrayList<>();
    private String mailFrom = "";

    BridgeTransaction(MessageContext context, String domain, ClientLimits limits, MailboxLookup mailboxes,
            LegacyMailReceiver receiver, SmtpMetrics metrics) {
        this.context = context;
        this.domain = domain;
        this.limits = limits;
        this.mailboxes = mailboxes;
        this.receiver = receiver;
        this.metrics = metrics;
        this.clientIp = clientIp(context.getRemoteAddress());
    }

    @Override
    public void from(String from) throws RejectException {
        if (!limits.admit(clientIp)) {
            throw refuse("rate-limited", 451, "4.7.1 too many messages from your address, try again later");
        }
        if (from == null || from.isBlank()) {
            mailFrom = ""; // a bounce
            return;
        }
        try {
            mailFrom = Addresses.normalize(from);
        } catch (ProtocolException e) {
            throw refuse("bad-address", 553, "5.1.7 the sender address <" + from + "> cannot be read");
        }
    }

    @Override
    public void recipient(String recipient) throws RejectException {
        String address;
        try {
            address = Addresses.normalize(recipient);
        } catch (ProtocolException e) {
            throw refuse("bad-address", 501, "5.1.3 the recipient address <" + recipient + "> cannot be read");
        }
        if (!Addresses.domainOf(address).equals(domain)) {
            // no open relay: this bridge takes mail for its own domain only
            throw refuse("relaying-denied", 550, "5.7.1 relaying denied: " + domain + " takes mail for " + domain
                    + " only");
        }
        if (recipients.contains(address)) {
            return;
        }
        switch (mailboxes.lookup(address)) {
            case MAILBOX -> recipients.add(address);
            case NO_MAILBOX -> throw refuse("no-mailbox", 550, "5.1.1 <" + address + ">: no such mailbox here");
            case CANNOT_TELL -> throw refuse("lookup-failed", 451, "4.3.0 cannot check <" + address
                    + "> now, try again later");
        }
    }

    @Override
    public String data(InputStream data) throws RejectException, IOException {
        String helo = context.getHelo().filter(h -> !h.isBlank()).orElse("[" + clientIp + "]");
        if (helo.length() > MAX_HELO) {
            helo = helo.substring(0, MAX_HELO);
        }
        boolean tls = context instanceof Session session && session.isTLSStarted();
        return receiver.receive(new LegacyMailReceiver.Envelope(clientIp, helo, mailFrom, List.copyOf(recipients), tls),
                data);
    }

    @Override
    public void done() {
        // nothing held between transactions
    }

    private RejectException refuse(String result, int code, String text) {
        metrics.message(result);
        return new RejectException(code, text);
    }

    static String clientIp(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            String ip = inet.getAddress().getHostAddress();
            int scope = ip.indexOf('%');
            return scope < 0 ? ip : ip.substring(0, scope);
        }
        return "0.0.0.0";
    }
}
