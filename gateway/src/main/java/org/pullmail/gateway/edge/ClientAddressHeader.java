package org.pullmail.gateway.edge;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Tells the services behind the gateway which address a request came from, in a header that the
 * gateway always overwrites, so a client cannot choose its own (the inbox limits notifications per
 * sending address with it). Behind an ingress, set {@code server.forwarded-headers-strategy=native}
 * so that the remote address is the client's rather than the ingress's.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class ClientAddressHeader extends OncePerRequestFilter {

    static final String HEADER = "X-Pullmail-Client";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String client = request.getRemoteAddr();
        chain.doFilter(new HttpServletRequestWrapper(request) {
            @Override
            public String getHeader(String name) {
                return HEADER.equalsIgnoreCase(name) ? client : super.getHeader(name);
            }

            @Override
            public Enumeration<String> getHeaders(String name) {
                return HEADER.equalsIgnoreCase(name) ? Collections.enumeration(List.of(client)) : super.getHeaders(name);
            }

            @Override
            public Enumeration<String> getHeaderNames() {
                List<String> names = new ArrayList<>();
                for (String name : Collections.list(super.getHeaderNames())) {
                    if (!HEADER.equalsIgnoreCase(name)) {
                        names.add(name);
                    }
                }
                names.add(HEADER);
                return Collections.enumeration(names);
            }
        }, response);
    }
}
