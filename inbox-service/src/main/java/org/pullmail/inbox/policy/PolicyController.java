package org.pullmail.inbox.policy;

import java.util.List;
import java.util.Locale;

import org.pullmail.inbox.mailbox.Mailboxes;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.ProtocolException;
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
import org.springframework.web.bind.annotation.RestController;

/**
 * A user's own policy: contacts and the allow list (fetched at once), the block list (refused),
 * each by address or by domain, and the default for strangers. An entry is on one list at a time:
 * putting it on another moves it.
 */
@RestController
class PolicyController {

    record Entries(List<String> entries) {
    }

    /** {@code stranger_policy}: hold, fetch_verified or refuse; null falls back to the domain's default. */
    record StrangerSetting(String strangerPolicy, String effective) {
    }

    private final JdbcClient jdbc;
    private final Mailboxes mailboxes;
    private final SenderPolicy policy;

    PolicyController(JdbcClient jdbc, Mailboxes mailboxes, SenderPolicy policy) {
        this.jdbc = jdbc;
        this.mailboxes = mailboxes;
        this.policy = policy;
    }

    @GetMapping("/api/v1/inbox/{list:contacts|allowlist|blocklist}")
    Entries list(@AuthenticationPrincipal Jwt user, @PathVariable String list) {
        return new Entries(jdbc.sql("SELECT entry FROM sender_rule WHERE mailbox = ? AND kind = ? ORDER BY entry")
                .params(mailboxes.of(user), kind(list)).query(String.class).list());
    }

    @PutMapping("/api/v1/inbox/{list:contacts|allowlist|blocklist}/{entry}")
    ResponseEntity<Void> add(@AuthenticationPrincipal Jwt user, @PathVariable String list, @PathVariable String entry) {
        jdbc.sql("""
                INSERT INTO sender_rule (mailbox, entry, kind) VALUES (?, ?, ?)
                ON CONFLICT (mailbox, entry) DO UPDATE SET kind = EXCLUDED.kind, created_at = now()""")
                .params(mailboxes.of(user), entry(entry), kind(list)).update();
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/api/v1/inbox/{list:contacts|allowlist|blocklist}/{entry}")
    ResponseEntity<Void> remove(@AuthenticationPrincipal Jwt user, @PathVariable String list,
            @PathVariable String entry) {
        int removed = jdbc.sql("DELETE FROM sender_rule WHERE mailbox = ? AND entry = ? AND kind = ?")
                .params(mailboxes.of(user), entry(entry), kind(list)).update();
        if (removed == 0) {
            throw ApiProblem.notFound(entry + " on the " + list);
        }
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/api/v1/inbox/policy")
    StrangerSetting strangers(@AuthenticationPrincipal Jwt user) {
        String mailbox = mailboxes.of(user);
        String own = jdbc.sql("SELECT coalesce(stranger_policy, '') FROM mailbox WHERE address = ?").param(mailbox)
                .query(String.class).single();
        return new StrangerSetting(own.isEmpty() ? null : own, policy.strangerPolicy(mailbox).wire());
    }

    @PutMapping("/api/v1/inbox/policy")
    StrangerSetting setStrangers(@AuthenticationPrincipal Jwt user, @RequestBody StrangerSetting setting) {
        String value = setting.strangerPolicy() == null ? null : strangerPolicy(setting.strangerPolicy());
        jdbc.sql("UPDATE mailbox SET stranger_policy = ? WHERE address = ?").params(value, mailboxes.of(user)).update();
        return strangers(user);
    }

    static String strangerPolicy(String value) {
        try {
            return SenderPolicy.StrangerPolicy.of(value).wire();
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalid("stranger_policy is hold, fetch_verified or refuse");
        }
    }

    private static String kind(String list) {
        return switch (list) {
            case "contacts" -> "contact";
            case "allowlist" -> "allow";
            default -> "block";
        };
    }

    /** An address (normalized) or a domain (lowercase). */
    static String entry(String value) {
        if (value.contains("@")) {
            try {
                return Addresses.normalize(value);
            } catch (ProtocolException e) {
                throw ApiProblem.invalid(e.detail());
            }
        }
        String domain = value.trim().toLowerCase(Locale.ROOT);
        if (!Addresses.isValidDomain(domain)) {
            throw ApiProblem.invalid("an entry is an address (name@domain) or a domain (domain.example): " + value);
        }
        return domain;
    }
}
