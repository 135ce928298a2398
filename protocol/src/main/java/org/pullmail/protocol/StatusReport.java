package org.pullmail.protocol;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonProperty;

/** {@code POST {fetch_url}/status}: what each recipient's domain did with the message. */
public record StatusReport(List<RecipientStatus> recipients) {

    public record RecipientStatus(String address, Status status) {
    }

    public enum Status {
        /** Fetched, checked against the notified digest and size, and stored in the mailbox. */
        @JsonProperty("stored") STORED,
        /** The recipient refused it. */
        @JsonProperty("declined") DECLINED,
        /** The recipient refused it and reported it as spam. */
        @JsonProperty("spam") SPAM
    }

    public StatusReport validate() throws ProtocolException {
        if (recipients == null || recipients.isEmpty() || recipients.size() > Pmp.MAX_RECIPIENTS_PER_NOTIFICATION) {
            throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "recipients must list 1 to 100 entries");
        }
        Set<String> addresses = new HashSet<>();
        for (RecipientStatus r : recipients) {
            if (r == null || !Addresses.isValid(r.address()) || r.status() == null) {
                throw new ProtocolException(ProblemType.MALFORMED_REQUEST, "each entry needs an address and a status");
            }
            if (!addresses.add(r.address())) {
                throw new ProtocolException(ProblemType.MALFORMED_REQUEST, r.address() + " is listed twice");
            }
        }
        return this;
    }
}
