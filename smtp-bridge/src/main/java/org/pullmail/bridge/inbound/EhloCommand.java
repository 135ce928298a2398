package org.pullmail.bridge.inbound;

import java.io.IOException;
import java.util.regex.Pattern;

import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;

/**
 * EHLO as SubEthaSMTP writes it, plus PIPELINING (its reader answers pipelined commands in order but does not say
 * so) and SMTPUTF8; without CHUNKING, whose last BDAT the library answers before the handler could refuse the message,
 * and without ENHANCEDSTATUSCODES, which the library's own replies do not carry. The client's name must be a domain
 * name or an address literal ({@code 501 5.5.2} otherwise): it is written into the Received and
 * Authentication-Results fields and the notification, where controls, spaces or {@code ;} could forge content.
 */
final class EhloCommand extends BaseCommand {

    /**
     * A domain name (labels of letters, digits, hyphens and, as many hosts name themselves so, underscores; a final
     * dot allowed) or an address literal ({@code [192.0.2.1]}, {@code [IPv6:2001:db8::1]}).
     */
    private static final Pattern NAME = Pattern.compile(
            "(?=.{1,255}$)(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?"
                    + "|\\[(?:[0-9]{1,3}(?:\\.[0-9]{1,3}){3}|IPv6:[0-9A-Fa-f:.]{2,45})\\]");

    EhloCommand() {
        super("EHLO", "Introduce yourself.", "<hostname>");
    }

    /** The name after EHLO or HELO, or null when it is none of the accepted forms. */
    static String clientName(String commandString) {
        if (commandString.length() < 6 || commandString.charAt(4) != ' ') {
            return null;
        }
        String name = commandString.substring(5).replaceAll("^ +| +$", "");
        return NAME.matcher(name).matches() ? name : null;
    }

    @Override
    public void execute(String commandString, Session session) throws IOException {
        String name = clientName(commandString);
        if (name == null) {
            session.sendResponse("501 5.5.2 Syntax: EHLO followed by a domain name or an address literal");
            return;
        }
        session.resetMailTransaction();
        session.setHelo(name);
        SMTPServer server = session.getServer();
        StringBuilder reply = new StringBuilder("250-").append(server.getHostName());
        reply.append("\r\n250-PIPELINING\r\n250-8BITMIME");
        reply.append("\r\n250-SIZE ").append(server.getMaxMessageSize());
        if (server.getEnableTLS() && !session.isTLSStarted()) {
            reply.append("\r\n250-STARTTLS");
        }
        reply.append("\r\n250 SMTPUTF8");
        session.sendResponse(reply.toString());
    }
}
