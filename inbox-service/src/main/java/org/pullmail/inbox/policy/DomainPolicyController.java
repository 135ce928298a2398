package org.pullmail.inbox.policy;

import java.util.List;

import org.pullmail.inbox.reputation.BulkDetector;
import org.pullmail.inbox.reputation.Reputation;
import org.pullmail.service.ApiProblem;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
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

    record Rule(String entry, String kind, String createdBy) {
    }

    record Rules(List<Rule> rules) {
    }

    record DomainDefault(String strangerPolicy) {
    }

    record Senders(List<Reputation.Score> senders) {
    }

    record BulkDigests(List<BulkDetector.BulkDigest> digests) {
    }

    private final JdbcClient jdbc;
    private final SenderPolicy policy;
    private final Reputation reputation;
    private final BulkDetector bulk;

    DomainPolicyController(JdbcClient jdbc, SenderPolicy policy, Reputation reputation, BulkDetector bulk) {
        this.jdbc = jdbc;
        this.policy = policy;
        this.reputation = reputation;
        this.bulk = bulk;
    }

    @GetMapping("/rules")
    Rules rules() {
        return new Rules(jdbc.sql("SELECT entry, kind, created_by FROM domain_rule ORDER BY kind, entry")
                .query((rs, n) -> new Rule(rs.getString(1), rs.getString(2), rs.getString(3))).list());
    }

    @PutMapping("/{list:allowlist|blocklist}/{entry}")
    ResponseEntity<Void> add(@AuthenticationPrincipal Jwt admin, @PathVariable String list, @PathVariable String entry) {
        jdbc.sql("""
                INSERT INTO domain_rule (entry, kind, created_by) VALUES (?, ?, ?)
                ON CONFLICT (entry) DO UPDATE SET kind = EXCLUDED.kind, created_by = EXCLUDED.created_by, created_at = now()""")
                .params(PolicyController.entry(entry), list.equals("allowlist") ? "allow" : "block", admin.getSubject())
                .update();
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/{list:allowlist|blocklist}/{entry}")
    ResponseEntity<Void> remove(@PathVariable String list, @PathVariable String entry) {
        int removed = jdbc.sql("DELETE FROM domain_rule WHERE entry = ? AND kind = ?")
                .params(PolicyController.entry(entry), list.equals("allowlist") ? "allow" : "block").update();
        if (removed == 0) {
            throw ApiProblem.notFound(entry + " on the domain's " + list);
        }
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/policy")
    DomainDefault strangers() {
        return new DomainDefault(policy.domainStrangerPolicy());
    }

    @PutMapping("/policy")
    DomainDefault setStrangers(@RequestBody DomainDefault setting) {
        if (setting.strangerPolicy() == null) {
            throw ApiProblem.invalid("stranger_policy is hold, fetch_verified or refuse");
        }
        jdbc.sql("""
                INSERT INTO domain_setting (name, value) VALUES ('stranger_policy', ?)
                ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value""")
                .param(PolicyController.strangerPolicy(setting.strangerPolicy())).update();
        return strangers();
    }

    @GetMapping("/senders")
    Senders senders(@RequestParam(defaultValue = "100") int limit) {
        return new Senders(reputation.domains(Math.max(1, Math.min(limit, 1000))));
    }

    @GetMapping("/bulk")
    BulkDigests bulk(@RequestParam(defaultValue = "100") int limit) {
        return new BulkDigests(bulk.flagged(Math.max(1, Math.min(limit, 1000))));
    }
}
