package org.pullmail.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.json.PmpJson;

import jakarta.servlet.http.HttpServletResponse;

/** Writes problem+json where no controller advice applies (the security filter chain). */
public final class ProblemResponses {

    private ProblemResponses() {
    }

    public static void write(HttpServletResponse response, int status, String slug, String title, String detail)
            throws IOException {
        response.setStatus(status);
        response.setContentType("application/problem+json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getOutputStream().write(body(slug, title, status, detail));
    }

    /** The same, with a Retry-After header in whole seconds (at least one) when {@code retryAfter} is given. */
    public static void write(HttpServletResponse response, int status, String slug, String title, String detail,
            Duration retryAfter) throws IOException {
        if (retryAfter != null) {
            response.setHeader("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
        }
        write(response, status, slug, title, detail);
    }

    /** An RFC 9457 problem's JSON, escaped, for code that writes responses itself (the edge's Jetty handlers). */
    public static byte[] body(String slug, String title, int status, String detail) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", ProblemType.BASE + slug);
        problem.put("title", title);
        problem.put("status", status);
        problem.put("detail", detail);
        return PmpJson.write(problem);
    }
}
