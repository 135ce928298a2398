package org.pullmail.bridge.keys;

import org.pullmail.service.DomainKeys;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The public keys the bridge signs the notifications of bridged mail with (PROTOCOL.md 3.6): the notifier reads them
 * here and publishes them in the domain's discovery document, where the inbox finds them.
 */
@RestController
class KeysController {

    private final DomainKeys keys;

    KeysController(DomainKeys keys) {
        this.keys = keys;
    }

    @GetMapping(value = "/internal/v1/keys", produces = MediaType.APPLICATION_JSON_VALUE)
    String keys() {
        return keys.publicKeySet().toString(true);
    }
}
