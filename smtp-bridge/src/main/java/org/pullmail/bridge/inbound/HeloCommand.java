package org.pullmail.bridge.inbound;

import java.io.IOException;

import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

/** HELO as SubEthaSMTP writes it, with the client's name checked as for {@link EhloCommand}. */
final class HeloCommand extends BaseCommand {

    HeloCommand() {
        super("HELO", "Introduce yourself.", "<hostname>");
    }

    @Override
    public void execute(String commandString, Session session) throws IOException {
        String name = EhloCommand.clientName(commandString);
        if (name == null) {
            session.sendResponse("501 5.5.2 Syntax: HELO followed by a domain name or an address literal");
            return;
        }
        session.resetMailTransaction();
        session.setHelo(name);
        session.sendResponse("250 " + session.getServer().getHostName());
    }
}
