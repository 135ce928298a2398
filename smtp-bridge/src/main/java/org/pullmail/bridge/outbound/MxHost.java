package org.pullmail.bridge.outbound;

/**
 * One place to hand a message to: an MX host of the recipient's domain, or the smarthost.
 *
 * @param verifiedTls the recipient's MTA-STS policy is {@code enforce}: STARTTLS is required and the certificate must
 *                    be valid for {@code host}; otherwise TLS is used when offered, unverified (RFC 7435)
 * @param smarthost   the operator configured it: it may be at a private address (an MX host, named by whoever runs
 *                    the recipient's DNS, may not)
 */
record MxHost(String host, int port, boolean verifiedTls, boolean smarthost) {

    MxHost(String host, int port, boolean verifiedTls) {
        this(host, port, verifiedTls, false);
    }
}
