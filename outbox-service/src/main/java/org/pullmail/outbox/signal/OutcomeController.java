package org.pullmail.outbox.signal;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.Valid;

/** The notifier reports what became of each notification ({@link Outcomes}). */
@RestController
class OutcomeController {

    private final Outcomes outcomes;

    OutcomeController(Outcomes outcomes) {
        this.outcomes = outcomes;
    }

    @PostMapping("/internal/v1/outcomes")
    ResponseEntity<Void> report(@Valid @RequestBody Outcome outcome) {
        outcomes.apply(outcome);
        return ResponseEntity.noContent().build();
    }
}
