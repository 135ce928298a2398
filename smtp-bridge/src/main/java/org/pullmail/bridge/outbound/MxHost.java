package org.pullmail.bridge.outbound;

/**
 * One place to hand a message to: an MX host of the recipient's domain, or the smarthost.
 *
 * @param verifiedTls the recipient's MTA-STS policy is {@code enforce}: STARTTLS is required and the certificate must
 *                    be valid for {@code host}; otherwise TLS is used when offered, unverified (RFC 7435)
 */
record MxHost(String host, int port, boolean verifiedTls) {
}
