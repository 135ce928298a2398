package org.pullmail.outbox.signal;

import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonProperty;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * The SMTP bridge's report of what the recipients' MTAs answered ({@code POST /internal/v1/deliveries/smtp}; this
 * service's view of it): per recipient, stored (2xx after DATA) or failed (5xx, or the bridge gave up) with the
 * reply text.
 */
record SmtpResult(@NotNull UUID messageId, @NotEmpty @Size(max = 1000) List<@Valid @NotNull RecipientResult> recipients) {

    record RecipientResult(@NotBlank @Size(max = 320) String address, @NotNull Status status,
            @Size(max = 2000) String detail) {
    }

    enum Status {
        @JsonProperty("stored") STORED,
        @JsonProperty("failed") FAILED
    }
}
