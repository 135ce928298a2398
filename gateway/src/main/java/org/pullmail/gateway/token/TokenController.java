package org.pullmail.gateway.token;

import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import org.pullmail.gateway.GatewayProperties;
import org.pullmail.gateway.account.AccountService;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PullmailProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;

/** Issues short-lived access tokens, and publishes the key set every service verifies them with. */
@RestController
class TokenController {

    record TokenRequest(@NotBlank String address, @NotBlank String password) {
    }

    record TokenResponse(String accessToken, String tokenType, long expiresIn) {
    }

    private final AccountService accounts;
    private final TokenKeys keys;
    private final PullmailProperties pullmail;
    private final GatewayProperties gateway;
    private final Clock clock;
    private final LoginThrottle throttle;

    TokenController(AccountService accounts, TokenKeys keys, PullmailProperties pullmail, GatewayProperties gateway,
            Clock clock, LoginThrottle throttle) {
        this.throttle = throttle;
        this.accounts = accounts;
        this.keys = keys;
        this.pullmail = pullmail;
        this.gateway = gateway;
        this.clock = clock;
    }

    @PostMapping("/api/v1/auth/token")
    TokenResponse token(@Valid @RequestBody TokenRequest request, HttpServletRequest http) {
        String address = request.address().trim();
        String client = http.getRemoteAddr();
        throttle.wait(address, client).ifPresent(wait -> {
            throw new ApiProblem("too-many-logins", HttpStatus.TOO_MANY_REQUESTS, "Too many failed logins",
                    "too many failed logins for this account or from this address; try again later", wait);
        });
        var account = accounts.authenticate(address, request.password());
        if (account.isEmpty()) {
            throttle.failed(address, client);
            throw new ApiProblem("invalid-credentials", HttpStatus.UNAUTHORIZED, "Invalid credentials",
                    "the address or the password is wrong, or the account is disabled");
        }
        throttle.succeeded(address, client);
        return issue(account.get());
    }

    private TokenResponse issue(AccountService.Authenticated account) {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(pullmail.issuer())
                .subject(account.address())
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(gateway.tokenLifetime())))
                .jwtID(UUID.randomUUID().toString())
                .claim("roles", List.copyOf(account.roles()))
                .build();
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(keys.signingKey().getKeyID())
                    .type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new RSASSASigner(keys.signingKey()));
            return new TokenResponse(jwt.serialize(), "Bearer", gateway.tokenLifetime().toSeconds());
        } catch (JOSEException e) {
            throw new IllegalStateException("signing an access token failed", e);
        }
    }

    @GetMapping(value = "/api/v1/auth/jwks", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> jwks() {
        return keys.publicKeys().toJSONObject(true);
    }
}
