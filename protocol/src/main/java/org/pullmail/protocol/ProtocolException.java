package org.pullmail.protocol;

import java.time.Duration;

/**
 * A PMP/1 message or header that must be refused. Checked on purpose: every caller that parses or
 * verifies wire input has to decide which answer the peer gets, so malformed input can never
 * surface as an unchecked exception (and from there as a 500).
 */
public class ProtocolException extends Exception {

    private final ProblemType type;
    private Duration retryAfter;

    public ProtocolException(ProblemType type, String detail) {
        super(detail);
        this.type = type;
    }

    public ProtocolException(ProblemType type, String detail, Throwable cause) {
        super(detail, cause);
        this.type = type;
    }

    public ProblemType type() {
        return type;
    }

    /** Asks the peer to retry after this long ({@code Retry-After}); returns this exception. */
    public ProtocolException retryAfter(Duration delay) {
        this.retryAfter = delay;
        return this;
    }

    /** When the peer should retry, or null when the answer says nothing of it. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** The human-readable explanation sent as the problem's {@code detail}. */
    public String detail() {
        return getMessage();
    }
}
