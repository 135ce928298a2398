package org.pullmail.gateway.edge;

import java.io.IOException;

import org.pullmail.gateway.GatewayProperties;
import org.pullmail.protocol.Pmp;
import org.pullmail.service.ProblemResponses;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Refuses oversized bodies at the edge with 413 before anything is proxied: PMP/1 notifications and
 * status reports are at most 4 KiB (and JSON: 415 otherwise, first), the user API takes at most a large
 * message.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class RequestSizeLimit extends OncePerRequestFilter {

    private final GatewayProperties gateway;

    RequestSizeLimit(GatewayProperties gateway) {
        this.gateway = gateway;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI();
        // PMP/1 bodies (notifications, status reports) are JSON, and the media type is checked before the size
        // (PROTOCOL.md 3.3 and 5.2), so the edge answers in the same order as the services behind it
        if (path.startsWith("/pmp/") && "POST".equals(request.getMethod()) && !Pmp.isJson(request.getContentType())) {
            ProblemResponses.write(response, 415, "unsupported-media-type", "The content type is not accepted here",
                    "PMP/1 requests with a body are application/json");
            return;
        }
        long limit = path.startsWith("/pmp/") ? Pmp.MAX_NOTIFICATION_BYTES : gateway.maxApiBodyBytes();
        long length = request.getContentLengthLong();
        if (length > limit) {
            ProblemResponses.write(response, 413, "too-large", "Request body too large",
                    "this endpoint takes at most " + limit + " bytes");
            return;
        }
        chain.doFilter(request, response);
    }
}
