package org.pullmail.protocol.peer;

import java.io.InterruptedIOException;
import java.time.Duration;

/** An exchange with another domain did not finish within its deadline, and was cut off. */
public final class DeadlineExceededException extends InterruptedIOException {

    private static final long serialVersionUID = 1L;

    DeadlineExceededException(String target, Duration deadline) {
        super("the exchange with " + target + " did not finish within " + deadline.toMillis() + " ms");
    }
}
