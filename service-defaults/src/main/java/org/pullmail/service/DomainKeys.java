package org.pullmail.service;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
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
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The Ed25519 keys this service signs PMP/1 requests with. A key is {@code published} (in the
 * discovery document, not yet signing), {@code active} (signing) or {@code retired} (still
 * published until caches expire, no longer signing). The first start of a domain generates one;
 * replicas share them through the database. An operator may instead supply the active key as a
 * secret ({@code pullmail.signing-key}, a private JWK).
 */
public class DomainKeys {

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final String kidPrefix;
    private final AtomicReference<PmpSigner> signer = new AtomicReference<>();

    public DomainKeys(JdbcClient jdbc, TransactionTemplate tx, Clock clock, String domain, String service,
            String configuredKey) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.clock = clock;
        this.kidPrefix = domain + "/" + service.replace("-service", "");
        if (configuredKey != null && !configuredKey.isBlank()) {
            install(configuredKey);
        }
        ensureActiveKey();
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
        List<JWK> keys = new ArrayList<>();
        for (String jwk : jdbc.sql("SELECT jwk FROM domain_key WHERE retired_until IS NULL OR retired_until > ? ORDER BY created_at")
                .param(Timestamp.from(clock.instant())).query(String.class).list()) {
            keys.add(parse(jwk).toPublicJWK());
        }
        return keys;
    }

    public JWKSet publicKeySet() {
        return new JWKSet(publicKeys());
    }

    /** A key as admins see it: never its private part. */
    public record KeyInfo(String kid, String state, Instant createdAt, Instant retiredUntil,
            Map<String, Object> publicJwk) {
    }

    public List<KeyInfo> list() {
        return jdbc.sql("SELECT kid, jwk, state, created_at, retired_until FROM domain_key ORDER BY created_at")
                .query((rs, n) -> new KeyInfo(rs.getString("kid"), rs.getString("state"),
                        rs.getTimestamp("created_at").toInstant(),
                        rs.getTimestamp("retired_until") == null ? null : rs.getTimestamp("retired_until").toInstant(),
                        parse(rs.getString("jwk")).toPublicJWK().toJSONObject()))
                .list();
    }

    /**
     * Starts a rotation: a new key is published (in the discovery document) but does not sign yet.
     * {@link #promote(java.time.Duration)} makes it active once caches have had time to fetch it.
     */
    public KeyInfo rotate() {
        String kid = kidPrefix + "-" + DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC)
                .format(clock.instant());
        tx.executeWithoutResult(status -> {
            jdbc.sql("SELECT pg_advisory_xact_lock(4242)").query().singleValue();
            Integer waiting = jdbc.sql("SELECT count(*) FROM domain_key WHERE state = 'published'").query(Integer.class).single();
            if (waiting > 0) {
                throw new ApiProblem("rotation-in-progress", HttpStatus.CONFLICT,
                        "A rotation is in progress", "a new key is already published and waits to become active");
            }
            jdbc.sql("INSERT INTO domain_key (kid, jwk, state, created_at) VALUES (?, ?, 'published', ?)")
                    .params(kid, Ed25519Keys.generate(kid).toJSONString(), Timestamp.from(clock.instant())).update();
        });
        return list().stream().filter(k -> k.kid().equals(kid)).findFirst().orElseThrow();
    }

    /**
     * Makes a published key active once it has been published for {@code lead} (longer than the
     * discovery document's cache lifetime), and retires the old one; the retired key stays published
     * for the longest time a verifier may cache a document (24 h), then disappears.
     */
    public void promote(Duration lead) {
        Instant now = clock.instant();
        Boolean changed = tx.execute(status -> {
            jdbc.sql("SELECT pg_advisory_xact_lock(4242)").query().singleValue();
            List<String> ready = jdbc.sql("SELECT kid FROM domain_key WHERE state = 'published' AND created_at <= ? "
                    + "ORDER BY created_at LIMIT 1").param(Timestamp.from(now.minus(lead))).query(String.class).list();
            if (ready.isEmpty()) {
                return false;
            }
            jdbc.sql("UPDATE domain_key SET state = 'retired', retired_until = ? WHERE state = 'active'")
                    .param(Timestamp.from(now.plus(Pmp.MAX_DISCOVERY_TTL))).update();
            jdbc.sql("UPDATE domain_key SET state = 'active' WHERE kid = ?").param(ready.get(0)).update();
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
            jdbc.sql("SELECT pg_advisory_xact_lock(4242)").query().singleValue();
            Integer active = jdbc.sql("SELECT count(*) FROM domain_key WHERE state = 'active'").query(Integer.class).single();
            if (active == 0) {
                String kid = kidPrefix + "-" + DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC)
                        .format(clock.instant());
                OctetKeyPair key = Ed25519Keys.generate(kid);
                jdbc.sql("INSERT INTO domain_key (kid, jwk, state, created_at) VALUES (?, ?, 'active', ?)")
                        .params(kid, key.toJSONString(), Timestamp.from(clock.instant())).update();
            }
        });
    }

    private void install(String jwkJson) {
        OctetKeyPair key = parse(jwkJson);
        tx.executeWithoutResult(status -> {
            jdbc.sql("SELECT pg_advisory_xact_lock(4242)").query().singleValue();
            jdbc.sql("UPDATE domain_key SET state = 'retired', retired_until = ? WHERE state = 'active' AND kid <> ?")
                    .params(Timestamp.from(clock.instant().plus(Pmp.MAX_DISCOVERY_TTL)), key.getKeyID())
                    .update();
            jdbc.sql("""
                    INSERT INTO domain_key (kid, jwk, state, created_at) VALUES (?, ?, 'active', ?)
                    ON CONFLICT (kid) DO UPDATE SET state = 'active', retired_until = NULL""")
                    .params(key.getKeyID(), key.toJSONString(), Timestamp.from(clock.instant())).update();
        });
    }

    private PmpSigner loadSigner() {
        String jwk = jdbc.sql("SELECT jwk FROM domain_key WHERE state = 'active' ORDER BY created_at DESC LIMIT 1")
                .query(String.class).single();
        PmpSigner loaded = new PmpSigner(parse(jwk), clock);
        signer.set(loaded);
        return loaded;
    }

    private static OctetKeyPair parse(String jwk) {
        try {
            return Ed25519Keys.parse(jwk);
        } catch (ProtocolException e) {
            throw new IllegalStateException("a stored signing key is not an Ed25519 JWK", e);
        }
    }
}
