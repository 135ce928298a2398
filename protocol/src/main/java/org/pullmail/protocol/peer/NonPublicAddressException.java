package org.pullmail.protocol.peer;

import java.net.UnknownHostException;

/** A host resolved to an address PMP/1 does not connect to (PROTOCOL.md 8.2); nothing was sent. */
public final class NonPublicAddressException extends UnknownHostException {

    private static final long serialVersionUID = 1L;

    NonPublicAddressException(String host) {
        super(host + " resolves to a non-public address; PMP/1 does not connect there");
    }
}
