package org.pullmail.gateway.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.pullmail.service.ApiProblem;
import org.pullmail.service.PageCursor;
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
 * bodies are never recorded. An append-only log written from a filter, read a page at a time: plain SQL, no
 * entity to load or track.
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

    /** One page of the trail, newest first; {@code actor} keeps one admin's entries. */
    PageCursor.Page<Entry> page(int limit, String cursor, String actor) {
        int rows = PageCursor.fetch(limit);
        long before = before(PageCursor.parse(cursor));
        List<Entry> entries = jdbc.sql("""
                SELECT id, actor, method, path, status, detail, client, at FROM audit_entry
                WHERE (CAST(:actor AS text) IS NULL OR actor = :actor) AND id < :before
                ORDER BY id DESC LIMIT :rows""")
                .param("actor", actor).param("before", before).param("rows", rows)
                .query((rs, n) -> new Entry(rs.getLong("id"), rs.getString("actor"), rs.getString("method"),
                        rs.getString("path"), rs.getInt("status"), rs.getString("detail"), rs.getString("client"),
                        rs.getTimestamp("at").toInstant()))
                .list();
        return PageCursor.page(entries, limit, entry -> new PageCursor(null, Long.toString(entry.id())), entry -> entry);
    }

    /** The id the next page starts below: every id, for the first page. */
    private static long before(PageCursor cursor) {
        if (cursor == null) {
            return Long.MAX_VALUE;
        }
        try {
            return Long.parseLong(cursor.id());
        } catch (NumberFormatException e) {
            throw ApiProblem.invalid("cursor is not one this list gave: send back the \"next\" of the previous page");
        }
    }
}
