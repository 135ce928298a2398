package org.pullmail.inbox.mailbox;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.pullmail.inbox.policy.SenderPolicy.StrangerPolicy;
import org.pullmail.inbox.tag.TaggedAddress;
import org.pullmail.protocol.Addresses;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PullmailProperties;
import org.springframework.http.HttpStatus;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The domain's mailboxes: the authenticated user's (every user query is scoped by it), provisioning
 * by the gateway, and the user's settings.
 */
@Service
public class Mailboxes {

    /** What provisioning found: {@code created} when this call created the mailbox. */
    record Provisioned(String address, boolean created, Instant createdAt) {
    }

    private final MailboxRepository mailboxes;
    private final PullmailProperties pullmail;

    Mailboxes(MailboxRepository mailboxes, PullmailProperties pullmail) {
        this.mailboxes = mailboxes;
        this.pullmail = pullmail;
    }

    /** The user's mailbox address; 403 when the account has none here (not provisioned yet). */
    public String of(Jwt user) {
        String address = user.getSubject();
        if (address == null || !mailboxes.existsByAddress(address)) {
            throw new ApiProblem("account-not-provisioned", HttpStatus.FORBIDDEN, "No mailbox",
                    address + " has no mailbox in this domain");
        }
        return address;
    }

    /** Whether the address has a mailbox here. */
    public boolean exists(String address) {
        return mailboxes.existsByAddress(address);
    }

    /**
     * An address mail reaches, as this domain knows it ({@code Bob+news@beta.test} is {@code bob+news@beta.test}),
     * and the mailbox it delivers to.
     */
    public record Recipient(String address, String mailbox) {
    }

    /**
     * The mailbox an address of this domain delivers to: its own, or for {@code local+tag@domain} the mailbox
     * {@code local@domain} (whether or not the user created that tag, as intake judges it); empty when none. The local
     * part matches regardless of case (RFC 5321 leaves case to the domain; people type {@code Bob@}), when exactly one
     * mailbox matches so; the answer names the mailbox's own spelling, with the tag as given.
     */
    @Transactional(readOnly = true)
    public Optional<Recipient> mailboxOf(String address) {
        if (!Addresses.isValid(address) || !Addresses.domainOf(address).equals(pullmail.domain())) {
            throw ApiProblem.invalid(address + " is not an address of " + pullmail.domain());
        }
        Optional<String> own = mailboxIgnoringCase(address);
        if (own.isPresent()) {
            return own.map(mailbox -> new Recipient(mailbox, mailbox));
        }
        TaggedAddress tagged = TaggedAddress.of(address);
        if (tagged.tag() == null) {
            return Optional.empty();
        }
        return mailboxIgnoringCase(tagged.base())
                .map(mailbox -> new Recipient(TaggedAddress.address(mailbox, tagged.tag()), mailbox));
    }

    private Optional<String> mailboxIgnoringCase(String address) {
        if (exists(address)) {
            return Optional.of(address);
        }
        List<String> found = mailboxes.addressesIgnoringCase(address);
        return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
    }

    /** Creates the mailbox of an address of this domain, unless it exists; 400 for any other address. */
    @Transactional
    Provisioned provision(String address) {
        if (!Addresses.isValid(address) || !Addresses.domainOf(address).equals(pullmail.domain())) {
            throw ApiProblem.invalid(address + " is not an address of " + pullmail.domain());
        }
        boolean created = mailboxes.createIfAbsent(address) == 1;
        Mailbox mailbox = mailboxes.findById(address).orElseThrow();
        return new Provisioned(mailbox.address(), created, mailbox.createdAt());
    }

    /** The user's own default for strangers, if they chose one. */
    @Transactional(readOnly = true)
    public Optional<StrangerPolicy> strangerPolicy(String address) {
        return mailboxes.findById(address).map(Mailbox::strangerPolicy);
    }

    /** Sets the user's own default for strangers; null follows the domain's. */
    @Transactional
    public void strangerPolicy(String address, StrangerPolicy policy) {
        mailboxes.findById(address).orElseThrow(() -> ApiProblem.notFound("mailbox " + address))
                .strangerPolicy(policy);
    }
}
