package org.pullmail.inbox.policy;

import java.util.List;

import org.pullmail.inbox.mailbox.Mailboxes;
import org.pullmail.inbox.policy.SenderPolicy.StrangerPolicy;
import org.pullmail.service.PageCursor;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A user's own policy: contacts and the allow list (fetched at once), the block list (refused),
 * each by address or by domain, and the default for strangers. An entry is on one list at a time:
 * putting it on another moves it.
 */
@RestController
class PolicyController {

    /** One page of a list, in entry order; {@code next} is the cursor of the following page. */
    record Entries(List<String> entries, String next) {
    }

    /** {@code stranger_policy}: hold, fetch_verified or refuse; null falls back to the domain's default. */
    record StrangerSetting(String strangerPolicy, String effective) {
    }

    private final PolicyRules rules;
    private final Mailboxes mailboxes;

    PolicyController(PolicyRules rules, Mailboxes mailboxes) {
        this.rules = rules;
        this.mailboxes = mailboxes;
    }

    @GetMapping("/api/v1/inbox/{list:contacts|allowlist|blocklist}")
    Entries list(@AuthenticationPrincipal Jwt user, @PathVariable String list,
            @RequestParam(defaultValue = "" + PageCursor.MAX_LIMIT) int limit,
            @RequestParam(required = false) String cursor) {
        PageCursor after = PageCursor.parse(cursor);
        PageCursor.Page<String> page = rules.entries(mailboxes.of(user), RuleKind.ofList(list), limit, after);
        return new Entries(page.entries(), page.next());
    }

    @PutMapping("/api/v1/inbox/{list:contacts|allowlist|blocklist}/{entry}")
    ResponseEntity<Void> add(@AuthenticationPrincipal Jwt user, @PathVariable String list, @PathVariable String entry) {
        rules.put(mailboxes.of(user), RuleKind.ofList(list), entry);
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/api/v1/inbox/{list:contacts|allowlist|blocklist}/{entry}")
    ResponseEntity<Void> remove(@AuthenticationPrincipal Jwt user, @PathVariable String list,
            @PathVariable String entry) {
        rules.remove(mailboxes.of(user), RuleKind.ofList(list), entry);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/api/v1/inbox/policy")
    StrangerSetting strangers(@AuthenticationPrincipal Jwt user) {
        return setting(mailboxes.of(user));
    }

    @PutMapping("/api/v1/inbox/policy")
    StrangerSetting setStrangers(@AuthenticationPrincipal Jwt user, @RequestBody StrangerSetting setting) {
        StrangerPolicy policy = setting.strangerPolicy() == null ? null
                : PolicyRules.strangerPolicy(setting.strangerPolicy());
        String mailbox = mailboxes.of(user);
        rules.strangerPolicy(mailbox, policy);
        return setting(mailbox);
    }

    private StrangerSetting setting(String mailbox) {
        PolicyRules.StrangerPolicies policies = rules.strangerPolicies(mailbox);
        return new StrangerSetting(policies.own() == null ? null : policies.own().wire(), policies.effective().wire());
    }
}
