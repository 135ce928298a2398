package org.pullmail.outbox.signal;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.Valid;

/** This domain's SMTP bridge reports what the recipients' MTAs answered ({@link SmtpResults}). */
@RestController
class SmtpResultController {

    private final SmtpResults results;

    SmtpResultController(SmtpResults results) {
        this.results = results;
    }

    @PostMapping("/internal/v1/deliveries/smtp")
    ResponseEntity<Void> report(@Valid @RequestBody SmtpResult result) {
        results.apply(result);
        return ResponseEntity.noContent().build();
    }
}
