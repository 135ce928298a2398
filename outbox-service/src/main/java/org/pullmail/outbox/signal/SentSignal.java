package org.pullmail.outbox.signal;

import java.time.Instant;
import java.util.List;

/**
 * What the outbox tells its own domain's inbox about one message a user sent, on the inbox's internal API
 * ({@code POST /internal/v1/mailboxes/{sender}/sent}); the inbox declares its own view of it.
 *
 * @param messageId      the Message-ID the message carries, without angle brackets
 * @param correspondents the To and Cc addresses (never Bcc); may be empty, the Message-ID still counts
 * @param sentAt         when the message was sent
 */
record SentSignal(String messageId, List<String> correspondents, Instant sentAt) {
}
