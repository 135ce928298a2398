package org.pullmail.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.pullmail.protocol.ProblemType;

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
        response.getWriter().write("{\"type\":\"" + ProblemType.BASE + slug + "\",\"title\":\"" + title
                + "\",\"status\":" + status + ",\"detail\":\"" + detail + "\"}");
    }
}
