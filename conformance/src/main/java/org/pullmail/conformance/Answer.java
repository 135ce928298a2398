package org.pullmail.conformance;

import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.json.PmpJson;

/** What the deployment answered to one request, or why it did not answer. */
record Answer(int status, HttpHeaders headers, byte[] body, String error) {

    /** The members PROTOCOL.md section 7 requires of every refusal. */
    record Problem(String type, String title, Integer status, String detail) {
    }

    static Answer noAnswer(Exception e) {
        return new Answer(0, HttpHeaders.of(Map.of(), (a, b) -> true), new byte[0],
                e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    boolean answered() {
        return error == null;
    }

    Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    /** The media type without parameters, lowercase, or "" when absent. */
    String mediaType() {
        String value = header("Content-Type").orElse("");
        int semicolon = value.indexOf(';');
        return (semicolon < 0 ? value : value.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    /** The body as a problem document, if it is JSON at all. */
    Optional<Problem> problem() {
        try {
            return Optional.of(PmpJson.read(body, Problem.class, ProblemType.MALFORMED_REQUEST));
        } catch (ProtocolException notJson) {
            return Optional.empty();
        }
    }

    /** The problem type's slug when the body is a PMP/1 problem, e.g. {@code digest-mismatch}. */
    Optional<String> slug() {
        return problem().map(Problem::type).filter(t -> t.startsWith(ProblemType.BASE))
                .map(t -> t.substring(ProblemType.BASE.length()));
    }

    /** What came, for a FAIL line: {@code 401 signature-invalid}, {@code 200 application/json}, … */
    String describe() {
        if (!answered()) {
            return "no answer (" + error + ")";
        }
        Optional<String> slug = slug();
        if (slug.isPresent()) {
            return status + " " + slug.get();
        }
        String type = mediaType().isEmpty() ? "no Content-Type" : mediaType();
        String text = new String(body, 0, Math.min(body.length, 120), StandardCharsets.UTF_8)
                .replaceAll("\\s+", " ").trim();
        boolean printable = type.startsWith("text/") || type.contains("json");
        return status + " " + type + (printable && !text.isEmpty() ? " " + text : "");
    }

    /** Why this answer is not a complete RFC 9457 problem (section 7), or empty when it is. */
    Optional<String> problemShapeDefect() {
        if (!Pmp.MEDIA_TYPE_PROBLEM.equals(mediaType())) {
            return Optional.of("Content-Type " + (mediaType().isEmpty() ? "missing" : mediaType())
                    + " instead of " + Pmp.MEDIA_TYPE_PROBLEM);
        }
        Optional<Problem> problem = problem();
        if (problem.isEmpty()) {
            return Optional.of("the body is not a JSON problem document");
        }
        Problem p = problem.get();
        if (p.title() == null || p.title().isBlank()) {
            return Optional.of("the problem has no title");
        }
        if (p.detail() == null) {
            return Optional.of("the problem has no detail");
        }
        if (p.status() == null || p.status() != status) {
            return Optional.of("the problem's status member is " + p.status() + ", not " + status);
        }
        return Optional.empty();
    }
}
