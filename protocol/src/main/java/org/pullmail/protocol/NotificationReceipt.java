package org.pullmail.protocol;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The recipient domain's answer to a notification: one outcome per recipient. */
public record NotificationReceipt(String id, List<RecipientOutcome> recipients) {

    public record RecipientOutcome(String address, Outcome outcome) {
    }

    public enum Outcome {
        /** The domain took the notification: it will fetch, or hold it for the user to decide. */
        @JsonProperty("accepted") ACCEPTED,
        /** No such mailbox. */
        @JsonProperty("unknown") UNKNOWN,
        /** The recipient or the domain refuses this sender; it will never fetch. */
        @JsonProperty("blocked") BLOCKED
    }
}
