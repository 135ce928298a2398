package org.pullmail.service;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Where the next page of a list starts: the sort key of the last entry a page showed (a time and an id, or an
 * id alone for lists in name order). Keyset pagination, so a page costs the same however deep it is and
 * entries added meanwhile neither repeat nor vanish. Clients treat the cursor as opaque: they get it as
 * {@code next} in one answer and send it back as {@code cursor}.
 *
 * <p>Lists ask the database for {@code limit + 1} rows ({@link #fetch}); {@link #page} keeps {@code limit}
 * of them and names the cursor of the last one when the extra row shows there is more.
 *
 * @param at the time the list is sorted by, or null when it is sorted by the id alone
 * @param id the id (or address) that breaks ties and orders entries within one instant
 */
public record PageCursor(Instant at, String id) {

    /** The most entries one page may hold. */
    public static final int MAX_LIMIT = 500;

    private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    /** One page of a list and the cursor of the next, null on the last page. */
    public record Page<T>(List<T> entries, String next) {
    }

    public PageCursor {
        if (id == null) {
            throw new IllegalArgumentException("a cursor needs an id");
        }
    }

    /** The cursor a client sent, or null for the first page; one it did not get from a list is a 400 problem. */
    public static PageCursor parse(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int bar = text.indexOf('|');
            if (bar < 0) {
                throw invalid();
            }
            String at = text.substring(0, bar);
            Instant time = at.isEmpty() ? null : Instant.parse(at);
            if (time != null && (time.isBefore(EARLIEST) || time.isAfter(LATEST))) {
                throw invalid(); // no list holds such a time, and the database could not compare it
            }
            return new PageCursor(time, text.substring(bar + 1));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw invalid();
        }
    }

    /**
     * The cursor of a list ordered by a time and a UUID (requests, messages, queue entries), or null for the
     * first page; one without both is a 400 problem.
     */
    public static PageCursor parseTimed(String cursor) {
        return timed(parse(cursor));
    }

    /** A parsed cursor checked as one of a list ordered by a time and a UUID; null stays null (the first page). */
    public static PageCursor timed(PageCursor cursor) {
        if (cursor != null) {
            if (cursor.at() == null) {
                throw invalid();
            }
            cursor.uuid();
        }
        return cursor;
    }

    /** The cursor of an entry of a list ordered by a time and a UUID. */
    public static PageCursor after(Instant at, UUID id) {
        return new PageCursor(at, id.toString());
    }

    /** The id as the UUID a list ordered by time and UUID put there; anything else is a 400 problem. */
    public UUID uuid() {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
    }

    /**
     * How many rows to ask the database for: one more than the page holds, to learn whether more follow. A
     * limit above {@link #MAX_LIMIT} is served as {@link #MAX_LIMIT} (clients that asked for more before lists
     * paged still get an answer, and its {@code next}); below one is a 400 problem.
     */
    public static int fetch(int limit) {
        return limit(limit) + 1;
    }

    /** The page size a requested limit gives: at most {@link #MAX_LIMIT}; below one is a 400 problem. */
    public static int limit(int requested) {
        if (requested < 1) {
            throw ApiProblem.invalid("limit is at least 1");
        }
        return Math.min(requested, MAX_LIMIT);
    }

    /** The first {@code limit} rows, and the cursor after the last of them when more rows were found. */
    public static <R, T> Page<T> page(List<R> rows, int requestedLimit, Function<R, PageCursor> cursorOf,
            Function<R, T> view) {
        int limit = limit(requestedLimit);
        boolean more = rows.size() > limit;
        List<R> shown = more ? rows.subList(0, limit) : rows;
        String next = more ? cursorOf.apply(shown.get(shown.size() - 1)).encode() : null;
        return new Page<>(shown.stream().map(view).toList(), next);
    }

    /** This cursor as a client sees it (URL-safe). */
    public String encode() {
        String text = (at == null ? "" : at.toString()) + "|" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static ApiProblem invalid() {
        return ApiProblem.invalid("cursor is not one this list gave: send back the \"next\" of the previous page");
    }
}
