package org.pullmail.bridge.inbound;

import java.util.List;

import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counters of the SMTP side: {@code pullmail.bridge.smtp.sessions} by result (accepted, or refused at the
 * per-client connection limit) and {@code pullmail.bridge.smtp.messages} by result (accepted, or the reason it was
 * refused), all exported at zero from the start.
 */
@Component
class SmtpMetrics {

    /** Why a message (or a recipient of it) was refused; the tag values. */
    static final List<String> MESSAGE_RESULTS = List.of("accepted", "relaying-denied", "no-mailbox", "lookup-failed",
            "bad-address", "rate-limited", "too-large", "no-author", "blocked", "inbox-rate-limited",
            "inbox-unavailable", "store-failed", "busy", "harvesting", "session-deadline");

    private final MeterRegistry meters;

    SmtpMetrics(MeterRegistry meters) {
        this.meters = meters;
        MESSAGE_RESULTS.forEach(r -> meters.counter("pullmail.bridge.smtp.messages", "result", r));
        List.of("accepted", "too-many-connections").forEach(r -> meters.counter("pullmail.bridge.smtp.sessions", "result", r));
    }

    void message(String result) {
        meters.counter("pullmail.bridge.smtp.messages", "result", result).increment();
    }

    void session(boolean accepted) {
        meters.counter("pullmail.bridge.smtp.sessions", "result", accepted ? "accepted" : "too-many-connections")
                .increment();
    }
}
