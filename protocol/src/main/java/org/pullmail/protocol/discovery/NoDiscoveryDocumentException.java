package org.pullmail.protocol.discovery;

import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;

/**
 * The domain answered that it publishes no PMP/1 discovery document (404 or 410 at {@code /.well-known/pullmail}),
 * or its name does not resolve at all: it does not speak PMP/1, as opposed to a domain that could not be reached
 * just now. A sender may then take another way, such as its domain's SMTP bridge; a transient failure is retried.
 * Still a {@link ProblemType#DISCOVERY_FAILED} to anyone who only asks for the problem type.
 */
public final class NoDiscoveryDocumentException extends ProtocolException {

    public NoDiscoveryDocumentException(String detail) {
        super(ProblemType.DISCOVERY_FAILED, detail);
    }

    public NoDiscoveryDocumentException(String detail, Throwable cause) {
        super(ProblemType.DISCOVERY_FAILED, detail, cause);
    }
}
