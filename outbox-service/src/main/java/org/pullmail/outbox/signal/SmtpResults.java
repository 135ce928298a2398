package org.pullmail.outbox.signal;

import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.pullmail.outbox.delivery.DeliveryTransitions;
import org.pullmail.service.ApiProblem;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What the SMTP bridge's results do to the deliveries of a message: stored or failed with the MTA's reply, through
 * {@link DeliveryTransitions}, all of one report in one transaction. Idempotent: a repeated report finds the
 * deliveries moved already and changes nothing. A report naming someone who is no recipient of the message is
 * refused whole.
 */
@Service
class SmtpResults {

    private final JdbcClient jdbc;
    private final DeliveryTransitions transitions;
    private final Clock clock;

    SmtpResults(JdbcClient jdbc, DeliveryTransitions transitions, Clock clock) {
        this.jdbc = jdbc;
        this.transitions = transitions;
        this.clock = clock;
    }

    @Transactional
    void apply(SmtpResult result) {
        List<String> named = result.recipients().stream().map(SmtpResult.RecipientResult::address).toList();
        if (new HashSet<>(named).size() != named.size()) {
            throw ApiProblem.invalid("a recipient is named twice");
        }
        Set<String> known = new HashSet<>(jdbc.sql(
                        "SELECT recipient FROM delivery WHERE message_id = :message AND recipient IN (:recipients)")
                .param("message", result.messageId()).param("recipients", named).query(String.class).list());
        for (String address : named) {
            if (!known.contains(address)) {
                throw ApiProblem.notFound("a delivery of message " + result.messageId() + " to " + address);
            }
        }
        Instant now = clock.instant();
        for (SmtpResult.RecipientResult r : result.recipients()) {
            switch (r.status()) {
                case STORED -> transitions.smtpStored(result.messageId(), r.address(), now);
                case FAILED -> transitions.smtpFailed(result.messageId(), r.address(),
                        r.detail() == null || r.detail().isBlank() ? "refused over SMTP" : r.detail(), now);
            }
        }
    }
}
