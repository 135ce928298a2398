package org.pullmail.bridge.outbound;

import java.util.List;

import org.pullmail.service.PullmailProperties;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The domain's DKIM keys for its admins (the dashboard's Keys page): the DNS records to publish, and rotation to a
 * new selector. The same list is on the internal API for the domain's other services.
 */
@RestController
class DkimController {

    /** Every key with its record; the first is the one that signs. */
    record DkimKeysView(String domain, List<DkimKeys.PublishedKey> keys) {
    }

    private final DkimKeys keys;
    private final PullmailProperties pullmail;

    DkimController(DkimKeys keys, PullmailProperties pullmail) {
        this.keys = keys;
        this.pullmail = pullmail;
    }

    @GetMapping({"/api/v1/admin/smtp/dkim", "/internal/v1/dkim"})
    DkimKeysView list() {
        return new DkimKeysView(pullmail.domain(), keys.keys());
    }

    /** A new key, listed with its record, not signing yet: publish the record, then activate it. */
    @PostMapping("/api/v1/admin/smtp/dkim/rotate")
    @ResponseStatus(HttpStatus.CREATED)
    DkimKeys.PublishedKey rotate() {
        return keys.rotate();
    }

    /**
     * The key signs the domain's mail from now on; the previous one stays listed (keep its record a while). 409
     * {@code dkim-record-missing} while its record is not found in DNS, unless {@code force=true}.
     */
    @PostMapping("/api/v1/admin/smtp/dkim/{selector}/activate")
    DkimKeys.PublishedKey activate(@PathVariable String selector,
            @RequestParam(defaultValue = "false") boolean force) {
        return keys.activate(selector, force);
    }
}
