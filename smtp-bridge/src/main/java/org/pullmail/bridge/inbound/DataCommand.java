package org.pullmail.bridge.inbound;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.internal.io.DotTerminatedInputStream;
import org.subethamail.smtp.internal.io.DotUnstuffingInputStream;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

/**
 * DATA as SubEthaSMTP writes it, except that the mail transaction ends after a refusal too (RFC 5321 4.1.1.4: the
 * library left it open, so the client's next MAIL got 503), the rest of a refused message is read off the connection
 * before the answer, and no Received field of the library's is added (the bridge writes its own).
 */
final class DataCommand extends BaseCommand {

    DataCommand() {
        super("DATA", "Following text is collected as the message.\nEnd data with <CR><LF>.<CR><LF>");
    }

    @Override
    public void execute(String commandString, Session session) throws IOException, DropConnectionException {
        if (!session.isMailTransactionInProgress()) {
            session.sendResponse("503 5.5.1 Error: need MAIL command");
            return;
        }
        if (session.getRecipientCount() == 0) {
            session.sendResponse("554 5.5.1 Error: no valid recipients");
            return;
        }
        session.sendResponse("354 End data with <CR><LF>.<CR><LF>");
        InputStream data = new DotUnstuffingInputStream(new DotTerminatedInputStream(session.getRawInput()));
        String reply;
        try {
            reply = session.getMessageHandler().data(data);
            data.transferTo(OutputStream.nullOutputStream());
        } catch (RejectException e) {
            data.transferTo(OutputStream.nullOutputStream());
            session.resetMailTransaction();
            session.sendResponse(e.getErrorResponse());
            return;
        }
        session.resetMailTransaction();
        session.sendResponse(reply == null ? "250 Ok" : "250 " + reply);
    }
}
