package org.pullmail.bridge.inbound;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.internal.io.DotTerminatedInputStream;
import org.subethamail.smtp.internal.io.DotUnstuffingInputStream;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

/**
 * DATA as SubEthaSMTP writes it, except that the mail transaction ends after a refusal too (RFC 5321 4.1.1.4: the
 * library left it open, so the client's next MAIL got 503), the rest of a refused message is read off the connection
 * before the answer, no Received field of the library's is added (the bridge writes its own), and the message must
 * arrive within the DATA deadline ({@code 421 4.4.2} and the connection closed after it: a client sending a byte now
 * and then never goes idle, but must not hold a connection and a spool file for ever).
 */
final class DataCommand extends BaseCommand {

    private final Duration deadline;

    DataCommand(Duration deadline) {
        super("DATA", "Following text is collected as the message.\nEnd data with <CR><LF>.<CR><LF>");
        this.deadline = deadline;
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
        InputStream data = new DotUnstuffingInputStream(new DotTerminatedInputStream(
                new Deadline(session.getRawInput(), System.nanoTime() + deadline.toNanos())));
        String reply;
        try {
            reply = session.getMessageHandler().data(data);
            data.transferTo(OutputStream.nullOutputStream());
        } catch (DeadlinePassed e) {
            session.resetMailTransaction();
            throw new DropConnectionException(421, "4.4.2 the message took too long to arrive, closing connection");
        } catch (RejectException e) {
            data.transferTo(OutputStream.nullOutputStream());
            session.resetMailTransaction();
            session.sendResponse(e.getErrorResponse());
            return;
        }
        session.resetMailTransaction();
        session.sendResponse(reply == null ? "250 Ok" : "250 " + reply);
    }

    /** Thrown when the DATA deadline passes while the message is still arriving. */
    static final class DeadlinePassed extends IOException {

        DeadlinePassed() {
            super("the DATA deadline passed", null);
        }
    }

    /** The client's bytes, until the deadline. */
    private static final class Deadline extends FilterInputStream {

        private final long deadlineNanos;

        Deadline(InputStream in, long deadlineNanos) {
            super(in);
            this.deadlineNanos = deadlineNanos;
        }

        private void check() throws DeadlinePassed {
            if (System.nanoTime() - deadlineNanos > 0) {
                throw new DeadlinePassed();
            }
        }

        @Override
        public int read() throws IOException {
            check();
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            check();
            return super.read(b, off, len);
        }
    }
}
