package org.pullmail.protocol;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The recipient domain's answer to a notification (PROTOCOL.md 3.4): the notification's id and exactly
 * one outcome per notified recipient.
 */
public record NotificationReceipt(String id, List<RecipientOutcome> recipients) {

    public record RecipientOutcome(String address, Outcome outcome) {
    }

    public enum Outcome {
        /**
         * The domain took the notification: it will fetch, or hold it for the user to decide. Also what
         * an outcome this version does not know reads as: the receiver stored the notification and holds
         * the token, so the sender keeps serving the message, as it does for this outcome.
         */
        @JsonEnumDefaultValue @JsonProperty("accepted") ACCEPTED,
        /** No such mailbox. */
        @JsonProperty("unknown") UNKNOWN,
        /** The recipient or the domain refuses this sender; it will never fetch. */
        @JsonProperty("blocked") BLOCKED
    }
}
