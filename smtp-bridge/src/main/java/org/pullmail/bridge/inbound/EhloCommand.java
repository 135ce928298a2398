package org.pullmail.bridge.inbound;

import java.io.IOException;

import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;

/**
 * EHLO as SubEthaSMTP writes it, plus PIPELINING (its reader answers pipelined commands in order but does not say
 * so) and SMTPUTF8; without CHUNKING, whose last BDAT the library answers before the handler could refuse the message,
 * and without ENHANCEDSTATUSCODES, which the library's own replies do not carry.
 */
final class EhloCommand extends BaseCommand {

    EhloCommand() {
        super("EHLO", "Introduce yourself.", "<hostname>");
    }

    @Override
    public void execute(String commandString, Session session) throws IOException {
        String[] args = getArgs(commandString);
        if (args.length < 2) {
            session.sendResponse("501 Syntax: EHLO hostname");
            return;
        }
        session.resetMailTransaction();
        session.setHelo(args[1]);
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
