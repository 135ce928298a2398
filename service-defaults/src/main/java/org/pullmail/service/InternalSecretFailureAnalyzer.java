package org.pullmail.service;

import org.pullmail.service.InternalApi.InternalSecretException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** A start-up without a usable internal secret says so, and what to do, instead of a stack trace. */
class InternalSecretFailureAnalyzer extends AbstractFailureAnalyzer<InternalSecretException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InternalSecretException cause) {
        return new FailureAnalysis(cause.getMessage() + ".",
                "Set " + InternalApi.SECRET_PROPERTY + " (PULLMAIL_INTERNAL_SECRET) on every service of the domain to"
                        + " the same random value of at least " + InternalApi.MIN_SECRET_LENGTH + " characters, for"
                        + " example from: openssl rand -base64 48", cause);
    }
}
