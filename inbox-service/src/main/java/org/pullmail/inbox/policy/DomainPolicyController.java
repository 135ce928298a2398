package org.pullmail.inbox.policy;

import java.util.List;

import org.pullmail.inbox.policy.SenderPolicy.StrangerPolicy;
import org.pullmail.inbox.reputation.BulkDetector;
import org.pullmail.inbox.reputation.Reputation;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PageCursor;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The domain's inbound policy, for admins: allow and block lists, the strangers default, reputation, bulk. */
@RestController
@RequestMapping("/api/v1/admin/inbound")
class DomainPolicyController {

    /** Each list is one page; {@code next} is the cursor of the following page. */
    record Rules(List<DomainPolicy.Rule> rules, String next) {
    }

    /**
     * @param strangerPolicy           hold, fetch_verified or refuse
     * @param colleaguesFetchedAtOnce  mail between this domain's mailboxes is fetched at once (the default)
     */
    record DomainDefault(String strangerPolicy, Boolean colleaguesFetchedAtOnce) {
    }

    record Senders(List<Reputation.Score> senders, String next) {
    }

    record BulkDigests(List<BulkDetector.BulkDigest> digests, String next) {
    }

    private final DomainPolicy policy;
    private final Reputation reputation;
    private final BulkDetector bulk;

    DomainPolicyController(DomainPolicy policy, Reputation reputation, BulkDetector bulk) {
        this.policy = policy;
        this.reputation = reputation;
        this.bulk = bulk;
    }

    @GetMapping("/rules")
    Rules rules(@RequestParam(defaultValue = "" + PageCursor.MAX_LIMIT) int limit,
            @RequestParam(required = false) String cursor) {
        PageCursor.Page<DomainPolicy.Rule> page = policy.rules(limit, PageCursor.parse(cursor));
        return new Rules(page.entries(), page.next());
    }

    @PutMapping("/{list:allowlist|blocklist}/{entry}")
    ResponseEntity<Void> add(@AuthenticationPrincipal Jwt admin, @PathVariable String list, @PathVariable String entry) {
        policy.put(RuleKind.ofList(list), entry, admin.getSubject());
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/{list:allowlist|blocklist}/{entry}")
    ResponseEntity<Void> remove(@PathVariable String list, @PathVariable String entry) {
        policy.remove(RuleKind.ofList(list), entry);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/policy")
    DomainDefault strangers() {
        return new DomainDefault(policy.strangerPolicy().wire(), policy.colleaguesFetchedAtOnce());
    }

    /** Sets what the body names; a member left out keeps its setting, and a body that names none is a 400. */
    @PutMapping("/policy")
    DomainDefault setStrangers(@RequestBody DomainDefault setting) {
        if (setting.strangerPolicy() == null && setting.colleaguesFetchedAtOnce() == null) {
            throw ApiProblem.invalid(
                    "stranger_policy is hold, fetch_verified or refuse; colleagues_fetched_at_once is true or false");
        }
        StrangerPolicy strangers = setting.strangerPolicy() == null ? null
                : PolicyRules.strangerPolicy(setting.strangerPolicy());
        if (strangers != null) {
            policy.strangerPolicy(strangers);
        }
        if (setting.colleaguesFetchedAtOnce() != null) {
            policy.colleaguesFetchedAtOnce(setting.colleaguesFetchedAtOnce());
        }
        return strangers();
    }

    // these two clamped their limit before they had pages (up to 1000): a client asking for more gets a page of
    // the most there is, and a next, rather than a 400
    @GetMapping("/senders")
    Senders senders(@RequestParam(defaultValue = "100") int limit, @RequestParam(required = false) String cursor) {
        PageCursor.Page<Reputation.Score> page = reputation.domains(clamped(limit), PageCursor.parse(cursor));
        return new Senders(page.entries(), page.next());
    }

    @GetMapping("/bulk")
    BulkDigests bulk(@RequestParam(defaultValue = "100") int limit, @RequestParam(required = false) String cursor) {
        PageCursor.Page<BulkDetector.BulkDigest> page = bulk.flagged(clamped(limit), PageCursor.parse(cursor));
        return new BulkDigests(page.entries(), page.next());
    }

    private static int clamped(int limit) {
        return Math.max(1, Math.min(limit, PageCursor.MAX_LIMIT));
    }
}
