package org.pullmail.service;

import java.net.URI;
import java.time.Duration;

import org.pullmail.protocol.ProblemType;
import org.springframework.http.HttpStatus;

/**
 * A refusal a client caused and can understand: becomes an RFC 9457 problem with a stable type.
 * Throw it from any layer; {@link ProblemAdvice} writes it.
 */
public class ApiProblem extends RuntimeException {

    private final URI type;
    private final HttpStatus status;
    private final String title;
    private final Duration retryAfter;

    public ApiProblem(String slug, HttpStatus status, String title, String detail) {
        this(slug, status, title, detail, null);
    }

    public ApiProblem(String slug, HttpStatus status, String title, String detail, Duration retryAfter) {
        super(detail);
        this.type = URI.create(ProblemType.BASE + slug);
        this.status = status;
        this.title = title;
        this.retryAfter = retryAfter;
    }

    public static ApiProblem notFound(String what) {
        return new ApiProblem("not-found", HttpStatus.NOT_FOUND, "Not found", what + " does not exist");
    }

    public static ApiProblem invalid(String detail) {
        return new ApiProblem("invalid-request", HttpStatus.BAD_REQUEST, "The request is not valid", detail);
    }

    public URI type() {
        return type;
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
