package org.pullmail.bridge.inbound;

import java.io.IOException;
import java.io.InputStream;
import java.net.IDN;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.ProtocolException;
import org.subethamail.smtp.DropConnectionException;
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
    private final ClientSessions.State session;
    private final int maxRefusedRecipients;
    private final List<String> recipients = new ArrayList<>();
    private String mailFrom = "";

    BridgeTransaction(MessageContext context, String domain, ClientLimits limits, MailboxLookup mailboxes,
            LegacyMailReceiver receiver, SmtpMetrics metrics, ClientSessions.State session, int maxRefusedRecipients) {
        this.context = context;
        this.session = session;
        this.maxRefusedRecipients = maxRefusedRecipients;
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

    /**
     * A recipient of this domain whose mailbox exists, as the inbox knows its address. Anything that asks the bridge
     * to route elsewhere is relaying and refused with {@code 550 5.7.1}: another domain (also this one with a final
     * dot), a source route ({@code <@beta.test:user@other.test>}), the percent hack ({@code user%other.test@beta.test})
     * and quoted local parts (which could hide an {@code @}). After {@code maxRefusedRecipients} refusals in a session
     * the client is guessing addresses: {@code 421 4.7.0}, and the connection is closed.
     */
    @Override
    public void recipient(String recipient) throws RejectException {
        if (session.refusedRecipients() >= maxRefusedRecipients) {
            metrics.message("harvesting");
            throw new DropConnectionException(421, "4.7.0 too many refused recipients, closing connection");
        }
        try {
            String address = ourRecipient(recipient);
            if (!recipients.contains(address)) {
                recipients.add(address);
            }
        } catch (RejectException e) {
            if (e.getCode() >= 500) {
                session.recipientRefused();
            }
            throw e;
        }
    }

    private String ourRecipient(String recipient) throws RejectException {
        String given = recipient == null ? "" : recipient.strip();
        int at = given.lastIndexOf('@');
        if (given.startsWith("@") || given.indexOf('"') >= 0 || given.indexOf('%') >= 0
                || (at > 0 && given.indexOf('@') != at) || (at > 0 && !ours(given.substring(at + 1)))) {
            // no open relay: this bridge takes mail for its own domain only
            throw refuse("relaying-denied", 550, "5.7.1 relaying denied: " + domain + " takes mail for " + domain
                    + " only");
        }
        String address;
        try {
            address = Addresses.normalize(given);
        } catch (ProtocolException e) {
            throw refuse("bad-address", 501, "5.1.3 the recipient address <" + recipient + "> cannot be read");
        }
        MailboxLookup.Answer answer = mailboxes.lookup(address);
        if (answer instanceof MailboxLookup.Mailbox mailbox) {
            return mailbox.address();
        }
        if (answer instanceof MailboxLookup.NoMailbox) {
            throw refuse("no-mailbox", 550, "5.1.1 <" + address + ">: no such mailbox here");
        }
        throw refuse("lookup-failed", 451, "4.3.0 cannot check <" + address + "> now, try again later");
    }

    /** This domain, in any case, in U-labels or A-labels; not with a final dot, which names it from the root. */
    private boolean ours(String givenDomain) {
        try {
            return IDN.toASCII(givenDomain, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT).equals(domain);
        } catch (IllegalArgumentException e) {
            return false;
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
