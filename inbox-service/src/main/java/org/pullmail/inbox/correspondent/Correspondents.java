package org.pullmail.inbox.correspondent;

import java.time.Clock;
import java.time.Instant;

import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PageCursor;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * A user's learned correspondents, as they see and manage them beside their contacts: whom they wrote to,
 * fetched at once until the entry expires. Removing one makes their mail wait like a stranger's again,
 * until the user writes to them once more.
 */
@Service
class Correspondents {

    /** A correspondent as users see it. */
    record CorrespondentView(String address, Instant learnedAt, Instant expiresAt) {
    }

    private final CorrespondentRepository correspondents;
    private final Clock clock;

    Correspondents(CorrespondentRepository correspondents, Clock clock) {
        this.correspondents = correspondents;
        this.clock = clock;
    }

    /** One page of the mailbox's current correspondents, in address order, after {@code cursor} (null from the start). */
    @Transactional(readOnly = true)
    PageCursor.Page<CorrespondentView> list(String mailbox, int limit, PageCursor cursor) {
        if (cursor != null && cursor.at() != null) {
            throw ApiProblem.invalid("cursor is not one this list gave: send back the \"next\" of the previous page");
        }
        return PageCursor.page(correspondents.page(mailbox, clock.instant(), cursor == null ? "" : cursor.id(),
                        Limit.of(PageCursor.fetch(limit))), limit, c -> new PageCursor(null, c.address()),
                c -> new CorrespondentView(c.address(), c.learnedAt(), c.expiresAt()));
    }

    /** Forgets the correspondent; 404 when the mailbox had none of that address, 400 for no address. */
    @Transactional
    void remove(String mailbox, String address) {
        String normalized;
        try {
            normalized = Addresses.normalize(address);
        } catch (ProtocolException e) {
            throw ApiProblem.invalid(e.detail());
        }
        if (correspondents.remove(mailbox, normalized) == 0) {
            throw ApiProblem.notFound("correspondent " + normalized);
        }
    }
}
