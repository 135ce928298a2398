package org.pullmail.protocol;

/**
 * A PMP/1 message or header that must be refused. Checked on purpose: every caller that parses or
 * verifies wire input has to decide which answer the peer gets, so malformed input can never
 * surface as an unchecked exception (and from there as a 500).
 */
public class ProtocolException extends Exception {

    private final ProblemType type;

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

    /** The human-readable explanation sent as the problem's {@code detail}. */
    public String detail() {
        return getMessage();
    }
}
