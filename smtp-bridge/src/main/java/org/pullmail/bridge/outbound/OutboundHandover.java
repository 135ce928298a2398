package org.pullmail.bridge.outbound;

import java.util.UUID;

import org.pullmail.protocol.Notification;

/**
 * What the notifier hands over when a recipient domain publishes no PMP/1 document
 * ({@code POST /internal/v1/outbound}; this service's view of it): the notification, and the outbox's message it
 * announces.
 */
record OutboundHandover(UUID messageId, Notification notification) {
}
