package org.pullmail.outbox.sender;

import java.time.Instant;

import jakarta.validation.constraints.NotBlank;

/** The bodies of the account endpoints and of provisioning. */
final class AccountViews {

    private AccountViews() {
    }

    /** An account's effective limits and the bytes it stores. */
    record Account(String address, SenderAccount.Limits limits, long storedBytes) {
    }

    /** {@code keep_sent_copies}: null returns the account to the domain's default. */
    record Settings(Boolean keepSentCopies) {
    }

    /** Limits an admin sets for one account; a null member returns that limit to the domain's default. */
    record LimitsUpdate(Integer messagesPerHour, Integer messagesPerDay, Integer recipients, Long quotaBytes) {
    }

    /** The optional body of {@code PUT /internal/v1/senders/{address}}: the same address as the path's. */
    record ProvisionRequest(@NotBlank(message = "is required") String address) {
    }

    /** What provisioning answers: {@code created} when this call created the account. */
    record ProvisionedSender(String address, boolean created, Instant createdAt) {
    }
}
