package org.pullmail.inbox.request;

import org.pullmail.protocol.Bridged;

import java.time.Instant;
import java.util.UUID;

import org.pullmail.inbox.reputation.Reputation;

/**
 * A notification held for the user's decision, with what the decision needs. Every request is signed by
 * a key of its sender's own domain (PROTOCOL.md 6.3), so what tells a user more is how long this domain
 * has known the sender: a first-seen of minutes ago is a stranger.
 *
 * @param senderFirstSeen  when this domain first received a notification from this address
 * @param domainFirstSeen  when this domain first received a notification from the sender's domain
 * @param senderReputation how this sender address has fared here
 * @param domainReputation how the sender's domain has fared here
 * @param bulk             the same content was notified to many local recipients
 * @param policy           the rule that held it
 * @param tag              the tag of the address it was sent to ({@code shop} for {@code bob+shop@beta.test})
 * @param smtp             for mail that came over SMTP through this domain's bridge, what the bridge learned:
 *                         the client, the envelope sender, SPF, DKIM and DMARC (PROTOCOL.md 3.6); null otherwise
 */
record Request(UUID id, String from, String senderDomain, Instant senderFirstSeen, Instant domainFirstSeen,
        String subject, long size,
        Instant receivedAt, Instant expiresAt, String state, boolean bulk, String policy,
        Reputation.Score senderReputation, Reputation.Score domainReputation, String tag, Bridged smtp) {
}
