package org.pullmail.inbox.reputation;

import org.pullmail.service.ApiProblem;
import org.pullmail.service.PageCursor;

/**
 * A {@link PageCursor} of a list ranked by a count, highest first, ties by key (senders by notifications,
 * digests by recipients): the count and the key of the last entry shown. Counts grow between pages, so an
 * entry can move past the cursor; a page never repeats the one before.
 */
record RankCursor(long count, String key) {

    static RankCursor of(PageCursor cursor) {
        if (cursor == null) {
            return null;
        }
        int space = cursor.id().indexOf(' ');
        try {
            if (cursor.at() != null || space < 0) {
                throw new IllegalArgumentException();
            }
            return new RankCursor(Long.parseLong(cursor.id().substring(0, space)), cursor.id().substring(space + 1));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalid("cursor is not one this list gave: send back the \"next\" of the previous page");
        }
    }

    static PageCursor after(long count, String key) {
        return new PageCursor(null, count + " " + key);
    }
}
