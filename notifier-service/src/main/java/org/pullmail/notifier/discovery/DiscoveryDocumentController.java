package org.pullmail.notifier.discovery;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;

import org.pullmail.notifier.NotifierProperties;
import org.pullmail.protocol.DiscoveryDocument;
import org.pullmail.protocol.Pmp;
import org.pullmail.service.DomainKeys;
import org.pullmail.service.InternalApi;
import org.pullmail.service.PullmailProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Serves this domain's discovery document. It publishes the notifier's keys (which sign
 * notifications), the inbox's keys (which sign fetches and status reports) and, where the domain runs an SMTP
 * bridge, the bridge's keys (which sign the notifications of mail bridged from SMTP, PROTOCOL.md 3.6). The other
 * services' keys are read from them and kept for a minute; if one cannot be asked, the last keys it gave are served.
 */
@RestController
class DiscoveryDocumentController {

    private static final Logger log = LoggerFactory.getLogger(DiscoveryDocumentController.class);
    private static final Duration KEYS_TTL = Duration.ofMinutes(1);
    /** Short, so that a rotation or a removed key reaches other domains quickly. */
    private static final Duration MAX_AGE = Duration.ofMinutes(5);

    /** The keys another service of this domain gave, and when. */
    private record ServiceKeys(List<JWK> keys, Instant fetchedAt) {
    }

    private final DomainKeys keys;
    private final PullmailProperties pullmail;
    private final NotifierProperties notifier;
    private final HttpClient http;
    private final InternalApi internal;
    private final Clock clock;
    private final AtomicReference<ServiceKeys> inboxKeys = new AtomicReference<>(new ServiceKeys(List.of(), Instant.EPOCH));
    private final AtomicReference<ServiceKeys> bridgeKeys = new AtomicReference<>(new ServiceKeys(List.of(), Instant.EPOCH));

    DiscoveryDocumentController(DomainKeys keys, PullmailProperties pullmail, NotifierProperties notifier,
            HttpClient http, InternalApi internal, Clock clock) {
        this.keys = keys;
        this.pullmail = pullmail;
        this.notifier = notifier;
        this.http = http;
        this.internal = internal;
        this.clock = clock;
    }

    @GetMapping(value = Pmp.WELL_KNOWN_PATH, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<DiscoveryDocument> document() {
        List<JWK> all = new ArrayList<>(keys.publicKeys());
        all.addAll(keysOf("inbox", notifier.inboxUrl(), inboxKeys));
        if (notifier.bridgeUrl() != null) {
            all.addAll(keysOf("smtp-bridge", notifier.bridgeUrl(), bridgeKeys));
        }
        DiscoveryDocument document = DiscoveryDocument.of(pullmail.domain(), pullmail.notifyUrl(), pullmail.fetchBase(),
                new JWKSet(all));
        return ResponseEntity.ok().cacheControl(CacheControl.maxAge(MAX_AGE).cachePublic()).body(document);
    }

    private List<JWK> keysOf(String service, URI base, AtomicReference<ServiceKeys> cache) {
        ServiceKeys cached = cache.get();
        if (clock.instant().isBefore(cached.fetchedAt().plus(KEYS_TTL)) && !cached.keys().isEmpty()) {
            return cached.keys();
        }
        try {
            HttpResponse<String> response = http.send(internal.request(base + "/internal/v1/keys")
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                List<JWK> fetched = JWKSet.parse(response.body()).getKeys();
                cache.set(new ServiceKeys(fetched, clock.instant()));
                return fetched;
            }
            log.warn("{} answered {} for its keys", service, response.statusCode());
        } catch (IOException | ParseException e) {
            log.warn("cannot read the {}'s keys: {}", service, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return cached.keys();
    }
}
