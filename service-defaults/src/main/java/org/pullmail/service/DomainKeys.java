package org.pullmail.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;

import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.Ed25519Keys;
import org.pullmail.protocol.http.PmpSigner;
import org.pullmail.service.keys.DomainKey;
import org.pullmail.service.keys.DomainKeyRepository;
import org.pullmail.service.keys.KeyState;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The Ed25519 keys this service signs PMP/1 requests with. A key is {@code published} (in the
 * discovery document, not yet signing), {@code active} (signing) or {@code retired} (still
 * published until caches expire, no longer signing). The first start of a domain generates one;
 * replicas share them through the database. An operator may instead supply the active key as a
 * secret ({@code pullmail.signing-key}, a private JWK).
 */
public class DomainKeys {

    private final DomainKeyRepository keys;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final String kidPrefix;
    private final AtomicReference<PmpSigner> signer = new AtomicReference<>();
    private final OctetKeyPair configured;
    private volatile boolean ready;

    /**
     * A key supplied by the operator is read at once (a broken one stops the start); the database is first
     * asked when a key is first needed, so that start-up does not wait for JPA, which starts beside it.
     */
    public DomainKeys(DomainKeyRepository keys, TransactionTemplate tx, Clock clock, String domain, String service,
            String configuredKey) {
        this.keys = keys;
        this.tx = tx;
        this.clock = clock;
        this.kidPrefix = domain + "/" + service.replace("-service", "");
        this.configured = configuredKey == null || configuredKey.isBlank() ? null : parse(configuredKey);
    }

    /** Installs the operator's key or makes sure one is active, once, before any key is used. */
    private void ready() {
        if (!ready) {
            synchronized (this) {
                if (!ready) {
                    if (configured != null) {
                        install(configured);
                    }
                    ensureActiveKey();
                    ready = true;
                }
            }
        }
    }

    /** Signs with the active key (re-read after a rotation). */
    public PmpSigner signer() {
        PmpSigner current = signer.get();
        if (current == null) {
            current = loadSigner();
        }
        return current;
    }

    /** Public halves of every key that verifiers may still meet: published, active, retired. */
    public List<JWK> publicKeys() {
        ready();
        return keys.publishedAt(clock.instant()).stream().map(k -> (JWK) parse(k.jwk()).toPublicJWK()).toList();
    }

    public JWKSet publicKeySet() {
        return new JWKSet(publicKeys());
    }

    /** A key as admins see it: never its private part. */
    public record KeyInfo(String kid, String state, Instant createdAt, Instant retiredUntil,
            Map<String, Object> publicJwk) {
    }

    public List<KeyInfo> list() {
        ready();
        return keys.findAllByOrderByCreatedAt().stream().map(DomainKeys::info).toList();
    }

    /**
     * Starts a rotation: a new key is published (in the discovery document) but does not sign yet.
     * {@link #promote(java.time.Duration)} makes it active once caches have had time to fetch it.
     */
    public KeyInfo rotate() {
        ready();
        return tx.execute(status -> {
            keys.lockKeyChanges();
            if (keys.countByState(KeyState.PUBLISHED) > 0) {
                throw new ApiProblem("rotation-in-progress", HttpStatus.CONFLICT,
                        "A rotation is in progress", "a new key is already published and waits to become active");
            }
            return info(keys.save(generated(KeyState.PUBLISHED)));
        });
    }

    /**
     * Makes a published key active once it has been published for {@code lead} (longer than the
     * discovery document's cache lifetime), and retires the old one; the retired key stays published
     * for the longest time a verifier may cache a document (24 h), then disappears.
     */
    public void promote(Duration lead) {
        ready();
        Instant now = clock.instant();
        Boolean changed = tx.execute(status -> {
            keys.lockKeyChanges();
            List<DomainKey> ready = keys.findByStateOrderByCreatedAt(KeyState.PUBLISHED).stream()
                    .filter(k -> !k.createdAt().isAfter(now.minus(lead))).toList();
            if (ready.isEmpty()) {
                return false;
            }
            keys.findByStateOrderByCreatedAt(KeyState.ACTIVE).forEach(k -> k.retire(now.plus(Pmp.MAX_DISCOVERY_TTL)));
            ready.get(0).activate();
            return true;
        });
        if (Boolean.TRUE.equals(changed)) {
            reload();
        }
    }

    /** Forgets the cached signer so the next signature uses the database's active key. */
    public void reload() {
        signer.set(null);
    }

    private void ensureActiveKey() {
        tx.executeWithoutResult(status -> {
            keys.lockKeyChanges();
            if (keys.countByState(KeyState.ACTIVE) == 0) {
                keys.save(generated(KeyState.ACTIVE));
            }
        });
    }

    private DomainKey generated(KeyState state) {
        Instant now = clock.instant();
        String second = kidPrefix + "-" + DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC).format(now);
        String kid = second;
        for (int n = 2; keys.existsById(kid); n++) { // a rotation in the same second as the last key's creation
            kid = second + "-" + n;
        }
        return new DomainKey(kid, Ed25519Keys.generate(kid).toJSONString(), state, now);
    }

    private void install(OctetKeyPair key) {
        Instant now = clock.instant();
        tx.executeWithoutResult(status -> {
            keys.lockKeyChanges();
            keys.findByStateOrderByCreatedAt(KeyState.ACTIVE).stream().filter(k -> !k.kid().equals(key.getKeyID()))
                    .forEach(k -> k.retire(now.plus(Pmp.MAX_DISCOVERY_TTL)));
            keys.findById(key.getKeyID()).ifPresentOrElse(DomainKey::activate,
                    () -> keys.save(new DomainKey(key.getKeyID(), key.toJSONString(), KeyState.ACTIVE, now)));
        });
    }

    private PmpSigner loadSigner() {
        ready();
        DomainKey active = keys.findFirstByStateOrderByCreatedAtDesc(KeyState.ACTIVE)
                .orElseThrow(() -> new IllegalStateException("no active signing key"));
        PmpSigner loaded = new PmpSigner(parse(active.jwk()), clock);
        signer.set(loaded);
        return loaded;
    }

    private static KeyInfo info(DomainKey key) {
        return new KeyInfo(key.kid(), key.state().wire(), key.createdAt(), key.retiredUntil(),
                parse(key.jwk()).toPublicJWK().toJSONObject());
    }

    private static OctetKeyPair parse(String jwk) {
        try {
            return Ed25519Keys.parse(jwk);
        } catch (ProtocolException e) {
            throw new IllegalStateException("a stored signing key is not an Ed25519 JWK", e);
        }
    }
}
