package org.pullmail.inbox.tag;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.regex.Pattern;

import org.pullmail.protocol.Addresses;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PageCursor;
import org.springframework.data.domain.Limit;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * A mailbox's tagged addresses, for subscriptions without exposure: {@code bob+shop@beta.test} is given to a
 * shop, its mail is fetched at once, and when the address leaks to spammers the user blocks that tag alone.
 */
@Service
class Tags {

    private static final Pattern TAG = Pattern.compile("[a-z0-9._-]{1,32}");
    static final int RANDOM_LENGTH = 8;
    private static final String RANDOM_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    /** A tag as users see it, with the address to give out. */
    record TagView(String tag, String address, boolean blocked, Instant createdAt) {
    }

    private final MailboxTagRepository tags;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    Tags(MailboxTagRepository tags, Clock clock) {
        this.tags = tags;
        this.clock = clock;
    }

    /**
     * Creates the tag; 400 for a tag that is not 1 to 32 of a-z 0-9 . _ -, 409 when the mailbox has it.
     * {@code unguessable} appends {@value #RANDOM_LENGTH} random characters (about 41 bits), which makes the tag
     * as hard to guess as a password: a tag fetches at once, so a tag named like a shop could be tried by anyone.
     */
    @Transactional
    TagView create(String mailbox, String name, boolean unguessable) {
        String tag = unguessable ? withRandomPart(name) : name;
        String address = addressOf(mailbox, tag);
        Instant now = clock.instant();
        if (tags.createIfAbsent(mailbox, tag, now) == 0) {
            throw new ApiProblem("tag-exists", HttpStatus.CONFLICT, "Tag exists", "the tag " + tag + " exists already");
        }
        return new TagView(tag, address, false, now);
    }

    /** One page of the mailbox's tags in tag order, after {@code cursor} (null from the start). */
    @Transactional(readOnly = true)
    PageCursor.Page<TagView> list(String mailbox, int limit, PageCursor cursor) {
        if (cursor != null && cursor.at() != null) {
            throw ApiProblem.invalid("cursor is not one this list gave: send back the \"next\" of the previous page");
        }
        return PageCursor.page(tags.page(mailbox, cursor == null ? "" : cursor.id(), Limit.of(PageCursor.fetch(limit))),
                limit, t -> new PageCursor(null, t.tag()), Tags::view);
    }

    /** Blocks the tag (its mail is refused) or lifts the block; 404 when the mailbox has no such tag. */
    @Transactional
    TagView block(String mailbox, String tag, boolean blocked) {
        MailboxTag found = tags.findById(new MailboxTag.Key(mailbox, tag))
                .orElseThrow(() -> ApiProblem.notFound("tag " + tag));
        found.blocked(blocked);
        return view(found);
    }

    @Transactional
    void remove(String mailbox, String tag) {
        if (tags.remove(mailbox, tag) == 0) {
            throw ApiProblem.notFound("tag " + tag);
        }
    }

    private String withRandomPart(String name) {
        if (name != null && name.length() > 32 - RANDOM_LENGTH - 1) {
            throw ApiProblem.invalid("an unguessable tag's own part is 1 to " + (32 - RANDOM_LENGTH - 1) + " characters");
        }
        StringBuilder tag = new StringBuilder(name == null || name.isEmpty() ? "" : name + '.');
        for (int i = 0; i < RANDOM_LENGTH; i++) {
            tag.append(RANDOM_ALPHABET.charAt(random.nextInt(RANDOM_ALPHABET.length())));
        }
        return tag.toString();
    }

    private static TagView view(MailboxTag t) {
        return new TagView(t.tag(), TaggedAddress.address(t.mailbox(), t.tag()), t.blocked(), t.createdAt());
    }

    private static String addressOf(String mailbox, String tag) {
        if (tag == null || !TAG.matcher(tag).matches()) {
            throw ApiProblem.invalid("a tag is 1 to 32 of the characters a-z 0-9 . _ -");
        }
        String address = TaggedAddress.address(mailbox, tag);
        if (!Addresses.isValid(address)) {
            throw ApiProblem.invalid(address + " is not a mail address: choose another tag");
        }
        return address;
    }
}
