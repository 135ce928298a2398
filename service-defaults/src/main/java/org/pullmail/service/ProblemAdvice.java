package org.pullmail.service;

import java.net.URI;
import java.util.Locale;
import java.util.stream.Collectors;

import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.json.PmpJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import jakarta.validation.ConstraintViolationException;

import tools.jackson.core.JacksonException;

/**
 * The one error advice of a service: every refusal is an RFC 9457 problem with a stable type, and
 * nothing a client sends produces a stack trace or a 500.
 */
@RestControllerAdvice
public class ProblemAdvice extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemAdvice.class);

    @ExceptionHandler(ProtocolException.class)
    ResponseEntity<ProblemDetail> protocol(ProtocolException e) {
        ProblemType type = e.type();
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.valueOf(type.status()), e.detail());
        problem.setType(type.uri());
        problem.setTitle(type.title());
        if (e.retryAfter() != null) {
            return ResponseEntity.status(type.status())
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, e.retryAfter().toSeconds()))).body(problem);
        }
        if (type == ProblemType.TEMPORARILY_UNAVAILABLE) {
            return ResponseEntity.status(type.status()).header(HttpHeaders.RETRY_AFTER, "2").body(problem);
        }
        return ResponseEntity.status(type.status()).body(problem);
    }

    @ExceptionHandler(ApiProblem.class)
    ResponseEntity<ProblemDetail> api(ApiProblem e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(e.status(), e.getMessage());
        problem.setType(e.type());
        problem.setTitle(e.title());
        HttpHeaders headers = new HttpHeaders();
        if (e.retryAfter() != null) {
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, e.retryAfter().toSeconds())));
        }
        return ResponseEntity.status(e.status()).headers(headers).body(problem);
    }

    @ExceptionHandler(ConstraintViolationException.class)
    ResponseEntity<ProblemDetail> constraint(ConstraintViolationException e) {
        // the violations' paths name Java methods and parameters: only the last node, the value's name, is said
        String detail = e.getConstraintViolations().stream().map(v -> {
            String name = null;
            for (var node : v.getPropertyPath()) {
                name = node.getName();
            }
            return (name == null ? "a value" : name) + " " + v.getMessage();
        }).sorted().collect(Collectors.joining("; "));
        return api(ApiProblem.invalid(detail.isEmpty() ? "a value is invalid" : detail));
    }

    @ExceptionHandler(AccessDeniedException.class)
    ResponseEntity<ProblemDetail> denied(AccessDeniedException e) {
        return api(new ApiProblem("forbidden", HttpStatus.FORBIDDEN, "Forbidden", "this account may not do that"));
    }

    /**
     * A part this service depends on is down for a while (its database, or the service a gateway route
     * leads to): 503 with Retry-After, which clients and PMP/1 peers retry (PROTOCOL.md 7.1), not a 500.
     */
    @ExceptionHandler({DataAccessResourceFailureException.class,
            TransientDataAccessException.class,
            CannotCreateTransactionException.class,
            ResourceAccessException.class})
    ResponseEntity<ProblemDetail> unavailable(Exception e) {
        log.warn("unavailable: {}", e.toString());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "a part of this domain is briefly unavailable; try again later");
        problem.setType(URI.create(ProblemType.BASE + "unavailable"));
        problem.setTitle("Unavailable");
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "5").body(problem);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e) {
        log.error("unexpected error", e);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "the server failed; the failure is logged");
        problem.setType(URI.create(ProblemType.BASE + "internal"));
        problem.setTitle("Internal error");
        return ResponseEntity.internalServerError().body(problem);
    }

    /** Spring's own 4xx (unreadable body, wrong method, missing parameter…) get our type URIs too. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
            HttpStatusCode statusCode, WebRequest request) {
        ResponseEntity<Object> response = super.handleExceptionInternal(ex, body, headers, statusCode, request);
        if (response != null && response.getBody() instanceof ProblemDetail problem && statusCode.is4xxClientError()) {
            problem.setType(URI.create(ProblemType.BASE + slugFor(statusCode.value())));
            if (ex instanceof HttpMessageNotReadableException unreadable) {
                problem.setDetail(unreadableDetail(unreadable));
            } else if (ex instanceof MethodArgumentNotValidException invalid) {
                problem.setDetail(invalidMembers(invalid));
            }
        }
        return response;
    }

    /** Names each member that failed validation as the client wrote it (snake_case), with what was wrong. */
    private static String invalidMembers(MethodArgumentNotValidException ex) {
        String members = ex.getBindingResult().getFieldErrors().stream()
                .map(e -> e.getField().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT) + ": "
                        + e.getDefaultMessage())
                .sorted().distinct().collect(Collectors.joining("; "));
        return members.isEmpty() ? "the request body is not valid for this endpoint" : members;
    }

    /** Names the offending JSON member when Jackson knows it, without echoing internal type names. */
    private static String unreadableDetail(Exception ex) {
        return ex.getCause() instanceof JacksonException jackson ? PmpJson.describe(jackson)
                : "the request body is not valid JSON for this endpoint";
    }

    private static String slugFor(int status) {
        return switch (status) {
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 406 -> "not-acceptable";
            case 413 -> "too-large";
            case 415 -> "unsupported-media-type";
            default -> "invalid-request";
        };
    }
}
