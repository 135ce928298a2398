package org.pullmail.outbox.sender;

import java.util.Optional;

import org.pullmail.outbox.OutboxProperties;
import org.pullmail.service.ApiProblem;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/** An account's sending limits and settings: its own where an admin set them, else the domain's. */
@Component
public class SenderAccount {

    /** Effective limits and usage of one account. */
    public record Limits(int messagesPerHour, int messagesPerDay, int recipients, long quotaBytes,
            boolean keepSentCopies) {
    }

    private final SenderRepository senders;
    private final OutboxProperties outbox;

    SenderAccount(SenderRepository senders, OutboxProperties outbox) {
        this.senders = senders;
        this.outbox = outbox;
    }

    /**
     * Locks the account's row for the rest of the transaction, so limits hold under concurrent sends (and a
     * webhook is registered once). Refused with 403 when the account has no outbox here.
     */
    public Limits lock(String sender) {
        return senders.lock(sender).map(this::limits).orElseThrow(() -> notProvisioned(sender));
    }

    public Limits of(String sender) {
        return find(sender).orElseThrow(() -> notProvisioned(sender));
    }

    /** The account's limits, or empty when it has no outbox here. */
    public Optional<Limits> find(String sender) {
        return senders.findById(sender).map(this::limits);
    }

    /** Bytes of messages the account still stores (kept by a trigger on message). */
    public long storedBytes(String sender) {
        return senders.findById(sender).map(Sender::storedBytes).orElse(0L);
    }

    Limits limits(Sender sender) {
        OutboxProperties.Limits d = outbox.limits();
        return new Limits(orDefault(sender.maxMessagesPerHour(), d.messagesPerHour()),
                orDefault(sender.maxMessagesPerDay(), d.messagesPerDay()),
                orDefault(sender.maxRecipients(), d.recipients()),
                sender.quotaBytes() == null ? d.quotaBytes() : sender.quotaBytes(),
                sender.keepSentCopies() == null ? outbox.keepSentCopies() : sender.keepSentCopies());
    }

    private static int orDefault(Integer own, int fallback) {
        return own == null ? fallback : own;
    }

    static ApiProblem notProvisioned(String sender) {
        return new ApiProblem("account-not-provisioned", HttpStatus.FORBIDDEN, "Account cannot send",
                sender + " has no outbox in this domain");
    }
}
