package org.pullmail.gateway.token;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;

import org.pullmail.gateway.GatewayProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.stereotype.Component;

/**
 * Which accounts' access tokens are refused although their signature and lifetime are fine: those of a
 * disabled account, and those issued before an account's {@code tokens_revoked_at}. A token's {@code iat} has
 * whole seconds only, so one issued in the very second of the revocation is refused too (a login right after a
 * password reset may have to be repeated a second later; a stolen token never survives). The gateway checks every
 * token it sees against this, and every API request passes the gateway with its token, so a decision takes
 * effect at once on this replica and within {@link #REFRESH} on the others (they read the accounts table).
 * Held in memory because it is consulted on every request; only disabled accounts and revocations younger than
 * the tokens' lifetime are listed (older ones can refuse no token), so it stays small.
 */
@Component
public class Revocations implements OAuth2TokenValidator<Jwt> {

    static final String REFRESH = "PT2S";

    private record State(boolean disabled, Instant revokedAt) {
    }

    private final JdbcClient jdbc;
    private final ApplicationEventPublisher events;
    private final Duration tokenLifetime;
    private volatile Map<String, State> revoked = Map.of();

    Revocations(JdbcClient jdbc, ApplicationEventPublisher events, GatewayProperties gateway) {
        this.jdbc = jdbc;
        this.events = events;
        // a revocation older than the tokens' lifetime (and a second of clock skew) can refuse no token any more
        this.tokenLifetime = gateway.tokenLifetime().plusSeconds(1);
        this.revoked = load();
    }

    /** Called where this replica revoked them: effective at once, and open event streams are closed. */
    public void revoked(String address) {
        refresh();
        events.publishEvent(new TokensRevoked(address));
    }

    /** Reads the accounts' state again now (an account was enabled on this replica). */
    @Scheduled(fixedDelayString = REFRESH, initialDelayString = REFRESH)
    public void refresh() {
        Map<String, State> before = revoked;
        Map<String, State> now = load();
        revoked = now;
        // revocations made on another replica: this replica closes its streams of those accounts too
        now.forEach((address, state) -> {
            State old = before.get(address);
            if (old == null || state.disabled() && !old.disabled()
                    || state.revokedAt() != null && !state.revokedAt().equals(old.revokedAt())) {
                events.publishEvent(new TokensRevoked(address));
            }
        });
    }

    private Map<String, State> load() {
        Map<String, State> now = new HashMap<>();
        // read every two seconds on every replica: one narrow query over the few revoked accounts, nothing to track
        jdbc.sql("""
                SELECT address, disabled, tokens_revoked_at FROM account
                WHERE disabled OR tokens_revoked_at > ?""")
                .param(Timestamp.from(Instant.now().minus(tokenLifetime)))
                .query(rs -> {
                    now.put(rs.getString(1), new State(rs.getBoolean(2), rs.getTimestamp(3) == null ? null
                            : rs.getTimestamp(3).toInstant().truncatedTo(ChronoUnit.SECONDS)));
                });
        return Map.copyOf(now);
    }

    @Override
    public OAuth2TokenValidatorResult validate(Jwt token) {
        State state = revoked.get(token.getSubject());
        if (state == null) {
            return OAuth2TokenValidatorResult.success();
        }
        Instant issued = token.getIssuedAt();
        if (state.disabled() || issued == null || state.revokedAt() != null && !issued.isAfter(state.revokedAt())) {
            return OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "the token was revoked", null));
        }
        return OAuth2TokenValidatorResult.success();
    }
}
