package org.pullmail.protocol.discovery;

import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;

/**
 * This client did not ask the domain just now: too many discoveries run at once, or the domain's is under way and
 * slow. Nothing is known about the domain from it; a sender waits and asks again (PROTOCOL.md 2.2). Still a
 * {@link ProblemType#DISCOVERY_FAILED} to anyone who only asks for the problem type.
 */
public final class DiscoveryBusyException extends ProtocolException {

    public DiscoveryBusyException(String detail) {
        super(ProblemType.DISCOVERY_FAILED, detail);
    }
}
