package org.pullmail.inbox.tag;

import java.util.List;

import org.pullmail.inbox.mailbox.Mailboxes;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PageCursor;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The user's tagged addresses ({@code local+tag@domain}): created, listed, blocked one by one, removed. */
@RestController
@RequestMapping("/api/v1/inbox/tags")
class TagController {

    /**
     * {@code tag}: 1 to 32 of a-z 0-9 . _ -; {@code unguessable}: true appends a random part ({@code shop.k3x9q2mw}),
     * so that no one finds the tag by trying names (the tag alone may then be left out, and is all random).
     */
    record NewTag(String tag, Boolean unguessable) {
    }

    /** {@code blocked}: true refuses the tag's mail, false fetches it at once again. */
    record TagSetting(Boolean blocked) {
    }

    /** One page of the tags, in tag order; {@code next} is the cursor of the following page. */
    record TagList(List<Tags.TagView> tags, String next) {
    }

    private final Tags tags;
    private final Mailboxes mailboxes;

    TagController(Tags tags, Mailboxes mailboxes) {
        this.tags = tags;
        this.mailboxes = mailboxes;
    }

    @PostMapping
    ResponseEntity<Tags.TagView> create(@AuthenticationPrincipal Jwt user, @RequestBody NewTag tag) {
        return ResponseEntity.status(HttpStatus.CREATED).body(tags.create(mailboxes.of(user), tag.tag(),
                Boolean.TRUE.equals(tag.unguessable())));
    }

    @GetMapping
    TagList list(@AuthenticationPrincipal Jwt user, @RequestParam(defaultValue = "100") int limit,
            @RequestParam(required = false) String cursor) {
        PageCursor.Page<Tags.TagView> page = tags.list(mailboxes.of(user), limit, PageCursor.parse(cursor));
        return new TagList(page.entries(), page.next());
    }

    @PutMapping("/{tag}")
    Tags.TagView set(@AuthenticationPrincipal Jwt user, @PathVariable String tag, @RequestBody TagSetting setting) {
        if (setting.blocked() == null) {
            throw ApiProblem.invalid("blocked is true or false");
        }
        return tags.block(mailboxes.of(user), tag, setting.blocked());
    }

    @DeleteMapping("/{tag}")
    ResponseEntity<Void> remove(@AuthenticationPrincipal Jwt user, @PathVariable String tag) {
        tags.remove(mailboxes.of(user), tag);
        return ResponseEntity.noContent().build();
    }
}
