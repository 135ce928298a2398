package org.pullmail.protocol;

import java.util.ArrayList;
import java.util.List;

import org.pullmail.protocol.json.PmpJson;

/**
 * Splits one message's recipients in one domain into notifications that each fit the 4096-byte limit
 * (PROTOCOL.md 3.1). The byte limit, not the 100-recipient bound, is what usually binds: with
 * 43-character tokens a recipient costs about 70 bytes plus its address. Every notification gets its
 * own id, because {@code (sender domain, id)} is the receiving domain's idempotency key: the first keeps
 * the message's id, the others are {@code <message id>.<n>} for n = 2, 3, … (so ids repeat only across
 * recipient domains, where they are never compared).
 */
public final class NotificationBatches {

    private NotificationBatches() {
    }

    /**
     * @param message    the notification as it would be for one recipient-less message: its id is the
     *                   message's id, its recipients are ignored
     * @param recipients every recipient of the message in one domain, in order
     * @return the notifications to send, in order, each within {@link Pmp#MAX_NOTIFICATION_BYTES}
     */
    public static List<Notification> split(Notification message, List<Notification.Recipient> recipients) {
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("a notification needs at least one recipient");
        }
        List<Notification> batches = new ArrayList<>();
        List<Notification.Recipient> current = new ArrayList<>();
        for (Notification.Recipient recipient : recipients) {
            current.add(recipient);
            boolean full = current.size() > Pmp.MAX_RECIPIENTS_PER_NOTIFICATION
                    || size(message, batches.size(), current) > Pmp.MAX_NOTIFICATION_BYTES;
            if (full) {
                current.remove(current.size() - 1);
                if (current.isEmpty()) {
                    throw new IllegalArgumentException("recipient " + recipient.address()
                            + " does not fit in a notification of " + Pmp.MAX_NOTIFICATION_BYTES + " bytes");
                }
                batches.add(batch(message, batches.size(), current));
                current = new ArrayList<>(List.of(recipient));
            }
        }
        batches.add(batch(message, batches.size(), current));
        return List.copyOf(batches);
    }

    /** The id of the notification at {@code index} (0-based) of a message. */
    public static String id(String messageId, int index) {
        return index == 0 ? messageId : messageId + "." + (index + 1);
    }

    private static int size(Notification message, int index, List<Notification.Recipient> recipients) {
        return PmpJson.write(batch(message, index, recipients)).length;
    }

    private static Notification batch(Notification message, int index, List<Notification.Recipient> recipients) {
        return new Notification(id(message.id(), index), message.from(), List.copyOf(recipients), message.subject(),
                message.size(), message.digest(), message.fetchUrl(), message.sentAt(), message.expiresAt(),
                message.bridged());
    }
}
