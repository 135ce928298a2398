package org.pullmail.bridge.outbound;

import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The notifier hands over notifications to domains without a PMP/1 document ({@link OutboundQueue}); the dashboard
 * reads the queue's figures.
 */
@RestController
class OutboundController {

    /** The answer to a hand-over: the notification the bridge now delivers. */
    record Accepted(String notificationId) {
    }

    private final OutboundQueue queue;

    OutboundController(OutboundQueue queue) {
        this.queue = queue;
    }

    /** 202 once stored (a repeat too): the results reach the outbox later, per recipient. */
    @PostMapping("/internal/v1/outbound")
    ResponseEntity<Accepted> handOver(@RequestBody OutboundHandover handover) throws ProtocolException {
        if (handover.messageId() == null || handover.notification() == null) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "message_id and notification are required");
        }
        handover.notification().validate();
        if (!handover.notification().allRecipientsIn(handover.notification().recipientDomain())) {
            throw new ProtocolException(ProblemType.FOREIGN_RECIPIENT, "a hand-over names recipients of one domain");
        }
        queue.enqueue(handover);
        queue.nudge();
        return ResponseEntity.accepted().body(new Accepted(handover.notification().id()));
    }
}
