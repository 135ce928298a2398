package org.pullmail.service;

import java.io.IOException;

import org.springframework.http.HttpHeaders;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Refuses a request to {@code /internal/**} that does not carry the domain's internal secret with 401, before
 * any controller reads it. It sits in the chain of paths that carry their own proof, whose other paths (PMP/1)
 * it lets through untouched: their proof is a signature.
 */
final class InternalApiFilter extends OncePerRequestFilter {

    private static final RequestMatcher INTERNAL = PathPatternRequestMatcher.withDefaults().matcher(InternalApi.PATHS);

    private final InternalApi internal;

    InternalApiFilter(InternalApi internal) {
        this.internal = internal;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !INTERNAL.matches(request);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (internal.admits(request.getHeader(HttpHeaders.AUTHORIZATION))) {
            chain.doFilter(request, response);
            return;
        }
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"pullmail-internal\"");
        ProblemResponses.write(response, 401, "internal-unauthenticated", "Internal secret required",
                "internal endpoints answer only this domain's services: send its internal secret as a Bearer token");
    }
}
