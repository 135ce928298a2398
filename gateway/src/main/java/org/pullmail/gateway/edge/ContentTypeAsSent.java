package org.pullmail.gateway.edge;

import java.io.IOException;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Passes a request's Content-Type on exactly as the client sent it. Jetty reports UTF-8 as the character
 * encoding of a JSON body that names none, and Spring's proxy then adds {@code ;charset=UTF-8} to the header it
 * sends on; a PMP/1 signature covers Content-Type, so the inbox would refuse every notification. The request's
 * character encoding is therefore only what its Content-Type says.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 3)
class ContentTypeAsSent extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String declared = declaredCharset(request.getContentType());
        chain.doFilter(new HttpServletRequestWrapper(request) {
            @Override
            public String getCharacterEncoding() {
                return declared;
            }
        }, response);
    }

    private static String declaredCharset(String contentType) {
        if (contentType == null) {
            return null;
        }
        try {
            return MediaType.parseMediaType(contentType).getParameter("charset");
        } catch (InvalidMediaTypeException e) {
            return null;
        }
    }
}
