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
import org.springframework.web.bind.annotation.RestController;

/** A user's own policy: contacts (fetched at once) and blocked senders (addresses or domains, refused). */
@RestController
class PolicyController {

    record Contacts(List<String> contacts) {
    }

    record Blocklist(List<String> blocked) {
    }

    private final JdbcClient jdbc;
    private final Mailboxes mailboxes;

    PolicyController(JdbcClient jdbc, Mailboxes mailboxes) {
        this.jdbc = jdbc;
        this.mailboxes = mailboxes;
    }

    @GetMapping("/api/v1/inbox/contacts")
    Contacts contacts(@AuthenticationPrincipal Jwt user) {
        return new Contacts(jdbc.sql("SELECT address FROM contact WHERE mailbox = ? ORDER BY address")
                .param(mailbox(user)).query(String.class).list());
    }

    @PutMapping("/api/v1/inbox/contacts/{address}")
    ResponseEntity<Void> addContact(@AuthenticationPrincipal Jwt user, @PathVariable String address) {
        String normalized = address(address);
        jdbc.sql("INSERT INTO contact (mailbox, address) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .params(mailbox(user), normalized).update();
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/api/v1/inbox/contacts/{address}")
    ResponseEntity<Void> removeContact(@AuthenticationPrincipal Jwt user, @PathVariable String address) {
        int removed = jdbc.sql("DELETE FROM contact WHERE mailbox = ? AND address = ?")
                .params(mailbox(user), address(address)).update();
        if (removed == 0) {
            throw ApiProblem.notFound("contact " + address);
        }
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/api/v1/inbox/blocklist")
    Blocklist blocklist(@AuthenticationPrincipal Jwt user) {
        return new Blocklist(jdbc.sql("SELECT entry FROM blocked_sender WHERE mailbox = ? ORDER BY entry")
                .param(mailbox(user)).query(String.class).list());
    }

    @PutMapping("/api/v1/inbox/blocklist/{entry}")
    ResponseEntity<Void> block(@AuthenticationPrincipal Jwt user, @PathVariable String entry) {
        jdbc.sql("INSERT INTO blocked_sender (mailbox, entry) VALUES (?, ?) ON CONFLICT DO NOTHING")
                .params(mailbox(user), blockEntry(entry)).update();
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/api/v1/inbox/blocklist/{entry}")
    ResponseEntity<Void> unblock(@AuthenticationPrincipal Jwt user, @PathVariable String entry) {
        int removed = jdbc.sql("DELETE FROM blocked_sender WHERE mailbox = ? AND entry = ?")
                .params(mailbox(user), blockEntry(entry)).update();
        if (removed == 0) {
            throw ApiProblem.notFound("blocklist entry " + entry);
        }
        return ResponseEntity.noContent().build();
    }

    private String mailbox(Jwt user) {
        return mailboxes.of(user);
    }

    private static String address(String value) {
        try {
            return Addresses.normalize(value);
        } catch (ProtocolException e) {
            throw ApiProblem.invalid(e.detail());
        }
    }

    private static String blockEntry(String value) {
        if (value.contains("@")) {
            return address(value);
        }
        String domain = value.trim().toLowerCase(Locale.ROOT);
        if (!Addresses.isValidDomain(domain)) {
            throw ApiProblem.invalid("block an address (name@domain) or a domain (domain.example): " + value);
        }
        return domain;
    }
}
