package org.pullmail.inbox;

import java.time.Instant;
import java.util.UUID;

import org.pullmail.service.ApiProblem;
import org.pullmail.service.PageCursor;

/**
 * A {@link PageCursor} of a list ordered by a time and an id (requests, messages): the time and the id
 * of the last entry shown, typed. A cursor without them was not made by such a list: 400.
 */
public record TimeCursor(Instant at, UUID id) {

    /** The cursor a client sent, or null for the first page. */
    public static TimeCursor of(PageCursor cursor) {
        if (cursor == null) {
            return null;
        }
        if (cursor.at() == null) {
            throw invalid();
        }
        try {
            return new TimeCursor(cursor.at(), UUID.fromString(cursor.id()));
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
    }

    /** The cursor of an entry, as a list names it in {@code next}. */
    public static PageCursor after(Instant at, UUID id) {
        return new PageCursor(at, id.toString());
    }

    private static ApiProblem invalid() {
        return ApiProblem.invalid("cursor is not one this list gave: send back the \"next\" of the previous page");
    }
}
