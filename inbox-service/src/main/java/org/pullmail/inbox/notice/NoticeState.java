package org.pullmail.inbox.notice;

import java.util.Locale;
import java.util.Set;

/**
 * The states of a notice (one recipient's copy of a notification) and the one place that says which
 * may follow which. A notice is born {@code requested} (held for the user) or {@code fetching} (wanted
 * at once); everything after goes through {@link NoticeTransitions}.
 */
public enum NoticeState {
    REQUESTED, FETCHING, STORED, DECLINED, SPAM, FAILED, EXPIRED;

    /** The name in the database and the API. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static NoticeState of(String wire) {
        return valueOf(wire.toUpperCase(Locale.ROOT));
    }

    /** The states a notice may move to this one from. */
    public Set<NoticeState> from() {
        return switch (this) {
            // only at intake
            case REQUESTED -> Set.of();
            // the user accepts a request
            case FETCHING -> Set.of(REQUESTED);
            // a fetch ends
            case STORED, FAILED -> Set.of(FETCHING);
            // the user declines a request, or it waits too long
            case DECLINED, EXPIRED -> Set.of(REQUESTED);
            // the user declines a request as spam, or reports delivered mail as spam
            case SPAM -> Set.of(REQUESTED, STORED);
        };
    }

    public boolean mayFollow(NoticeState previous) {
        return from().contains(previous);
    }
}
