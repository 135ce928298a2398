package org.pullmail.gateway.edge;

import java.io.IOException;

import org.pullmail.gateway.GatewayProperties;
import org.pullmail.service.ProblemResponses;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UrlPathHelper;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The OpenAPI documents (the gateway's own and the services' it routes) and Swagger UI exist only where the
 * operator sets {@code pullmail.gateway.api-docs=true}: they are a map of every endpoint, useful to developers
 * and to attackers alike. Otherwise their paths answer 404, as if there were nothing there.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 2)
class ApiDocumentation extends OncePerRequestFilter {

    private final boolean enabled;

    ApiDocumentation(GatewayProperties gateway) {
        this.enabled = gateway.apiDocs();
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        if (enabled) {
            return true;
        }
        // the decoded path, as the routes see it: /v3/%61pi-docs is /v3/api-docs
        String path = UrlPathHelper.defaultInstance.getPathWithinApplication(request);
        return !(path.equals("/v3/api-docs") || path.startsWith("/v3/api-docs/") || path.startsWith("/swagger-ui")
                || path.startsWith("/admin/swagger-ui")
                || path.equals("/admin/api") || path.startsWith("/admin/api/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        ProblemResponses.write(response, 404, "not-found", "Not found", "there is nothing at this path");
    }
}
