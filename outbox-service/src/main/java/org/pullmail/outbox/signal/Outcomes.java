package org.pullmail.outbox.signal;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.pullmail.outbox.delivery.DeliveryTransitions;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What the notifier's outcome of one notification does to the deliveries it carried. Idempotent: a
 * delivery only moves on from the states {@link DeliveryTransitions} allows, so a repeated outcome
 * changes nothing.
 */
@Service
class Outcomes {

    private final DeliveryTransitions transitions;
    private final Clock clock;

    Outcomes(DeliveryTransitions transitions, Clock clock) {
        this.transitions = transitions;
        this.clock = clock;
    }

    @Transactional
    void apply(Outcome outcome) {
        Instant now = clock.instant();
        DeliveryTransitions.Announcement carried = new DeliveryTransitions.Announcement(outcome.messageId(),
                outcome.recipientDomain(), outcome.notificationId());
        switch (outcome.result()) {
            // only the recipients that this notification carried (a notifier from before notifications had
            // ids of their own reports none: then every recipient in the domain)
            case FAILED -> transitions.gaveUp(carried, outcome.detail(), now);
            case NOTIFIED -> {
                Instant notifiedAt = outcome.notifiedAt() == null ? now : outcome.notifiedAt();
                for (Outcome.RecipientOutcome r : outcome.recipients() == null
                        ? List.<Outcome.RecipientOutcome>of() : outcome.recipients()) {
                    // only deliveries this notification carried: a receipt that names anyone else is ignored there
                    // (PROTOCOL.md 3.4), so one domain's answer can never change another domain's deliveries
                    switch (r.outcome()) {
                        case UNKNOWN -> transitions.noSuchMailbox(carried, r.address(), now);
                        case BLOCKED -> transitions.blocked(carried, r.address(), now);
                        // accepted, or an outcome this version does not know (PROTOCOL.md 3.4)
                        case ACCEPTED -> transitions.accepted(carried, r.address(), notifiedAt);
                    }
                }
                // a recipient the receipt did not list (or an unreadable receipt) counts as accepted too: the
                // receiver holds the token and may still fetch (PROTOCOL.md 3.4)
                transitions.acceptedUnlisted(carried, notifiedAt);
            }
        }
    }
}
