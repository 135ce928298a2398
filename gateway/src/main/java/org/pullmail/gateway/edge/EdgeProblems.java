package org.pullmail.gateway.edge;

import java.net.URI;

import org.pullmail.protocol.ProblemType;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * A client whose upload came in too slowly while it was proxied ({@link SlowRequestBody}, found as the cause of
 * the proxy's I/O failure) is answered 408, not the 503 of a service that could not be reached: the client is at
 * fault, and nothing is logged for it (eighty slow clients would otherwise fill the log).
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class EdgeProblems {

    @ExceptionHandler(SlowRequestBody.class)
    ResponseEntity<ProblemDetail> tooSlow(SlowRequestBody slow) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.REQUEST_TIMEOUT, slow.getMessage());
        problem.setType(URI.create(ProblemType.BASE + "request-timeout"));
        problem.setTitle("Request timeout");
        return ResponseEntity.status(HttpStatus.REQUEST_TIMEOUT).header(HttpHeaders.CONNECTION, "close").body(problem);
    }
}
