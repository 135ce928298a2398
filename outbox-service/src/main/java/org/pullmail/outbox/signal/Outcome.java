package org.pullmail.outbox.signal;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.pullmail.protocol.NotificationReceipt;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

/** The notifier's report of what became of one notification ({@code POST /internal/v1/outcomes}; this service's view of it). */
record Outcome(@NotNull UUID messageId, String notificationId, @NotBlank String recipientDomain,
        @NotNull Result result, String detail, List<@Valid RecipientOutcome> recipients, Instant notifiedAt) {

    /**
     * One recipient's outcome, as the recipient's receipt said it; an outcome this version does not know
     * reads as accepted (PROTOCOL.md 3.4).
     */
    record RecipientOutcome(@NotBlank String address,
            @NotNull @JsonFormat(with = JsonFormat.Feature.READ_UNKNOWN_ENUM_VALUES_USING_DEFAULT_VALUE)
            NotificationReceipt.Outcome outcome) {
    }

    enum Result {
        /** The recipient domain answered, at {@code notifiedAt}. */
        @JsonProperty("notified") NOTIFIED,
        /** The notifier gave up. */
        @JsonProperty("failed") FAILED
    }
}
