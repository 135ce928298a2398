package org.pullmail.notifier.queue;

import com.fasterxml.jackson.annotation.JsonProperty;

import org.pullmail.service.ApiProblem;

/**
 * Where a notification stands, as admins see the queue: {@code pending} and {@code retrying} are both the stored
 * state {@code pending} (never tried, tried and due again), {@code sent} and {@code failed} are final.
 */
public enum QueueState {

    @JsonProperty("pending") PENDING("state = 'pending' AND attempts = 0"),
    @JsonProperty("retrying") RETRYING("state = 'pending' AND attempts > 0"),
    @JsonProperty("sent") SENT("state = 'sent'"),
    @JsonProperty("failed") FAILED("state = 'failed'");

    /** The rows in this state: a constant of this class, never input. */
    final String condition;

    QueueState(String condition) {
        this.condition = condition;
    }

    /** The state a list asks for; anything else is a 400 problem. */
    public static QueueState of(String name) {
        for (QueueState state : values()) {
            if (state.name().equalsIgnoreCase(name)) {
                return state;
            }
        }
        throw ApiProblem.invalid("state is pending, retrying, failed or sent");
    }

    static QueueState of(String stored, int attempts) {
        return switch (stored) {
            case "pending" -> attempts > 0 ? RETRYING : PENDING;
            case "sent" -> SENT;
            default -> FAILED;
        };
    }
}
