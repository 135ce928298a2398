package org.pullmail.gateway.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingRequestWrapper;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Records every admin action that changes something (any non-GET request under /api/v1/admin/),
 * whichever service carries it out: all of them pass through the gateway. Passwords in request
 * bodies are never recorded.
 */
@Component
public class AuditTrail extends OncePerRequestFilter {

    public record Entry(long id, String actor, String method, String path, int status, String detail, String client,
            Instant at) {
    }

    private final JdbcClient jdbc;

    AuditTrail(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith("/api/v1/admin/") || "GET".equals(request.getMethod())
                || "HEAD".equals(request.getMethod()) || "OPTIONS".equals(request.getMethod());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        ContentCachingRequestWrapper cached = new ContentCachingRequestWrapper(request, 4096);
        try {
            chain.doFilter(cached, response);
        } finally {
            Authentication auth = SecurityContextHolder.getContext().getAuthentication();
            String actor = auth == null || !auth.isAuthenticated() ? "anonymous" : auth.getName();
            String path = request.getRequestURI() + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
            jdbc.sql("INSERT INTO audit_entry (actor, method, path, status, detail, client) VALUES (?, ?, ?, ?, ?, ?)")
                    .params(actor, request.getMethod(), path, response.getStatus(), detail(cached),
                            request.getRemoteAddr())
                    .update();
        }
    }

    /** The request body, with any password value masked, shortened. */
    private static String detail(ContentCachingRequestWrapper request) {
        byte[] body = request.getContentAsByteArray();
        if (body.length == 0) {
            return null;
        }
        String text = new String(body, StandardCharsets.UTF_8)
                .replaceAll("(\"password\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"", "$1\"***\"");
        return text.length() > 500 ? text.substring(0, 500) + "…" : text;
    }

    public List<Entry> recent(int limit, String actor) {
        return jdbc.sql("""
                SELECT id, actor, method, path, status, detail, client, at FROM audit_entry
                WHERE (CAST(:actor AS text) IS NULL OR actor = :actor) ORDER BY id DESC LIMIT :limit""")
                .param("actor", actor).param("limit", Math.max(1, Math.min(limit, 1000)))
                .query((rs, n) -> new Entry(rs.getLong("id"), rs.getString("actor"), rs.getString("method"),
                        rs.getString("path"), rs.getInt("status"), rs.getString("detail"), rs.getString("client"),
                        rs.getTimestamp("at").toInstant()))
                .list();
    }
}
