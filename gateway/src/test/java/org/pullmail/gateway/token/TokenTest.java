package org.pullmail.gateway.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.pullmail.gateway.GatewayWithStandIns;

import tools.jackson.databind.JsonNode;

/**
 * Access tokens as a client meets them: a password grant gives a short-lived RS256 token that verifies against
 * the published key set and opens the user API; wrong passwords, disabled accounts and revoked tokens are
 * refused, and guessing is throttled.
 */
class TokenTest extends GatewayWithStandIns {

    @Test
    void aPasswordGrantGivesAShortLivedJwtThatVerifiesAgainstThePublishedKeySet() throws Exception {
        HttpResponse<String> granted = tokenRequest("tokens@alpha.test", PASSWORD);
        assertThat(granted.statusCode()).isEqualTo(200);
        JsonNode body = json(granted);
        assertThat(body.get("token_type").asString()).isEqualTo("Bearer");
        assertThat(body.get("expires_in").asLong()).isEqualTo(900);

        SignedJWT token = SignedJWT.parse(body.get("access_token").asString());
        assertThat(token.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        JWKSet published = JWKSet.parse(get("/api/v1/auth/jwks", null).body());
        RSAKey key = (RSAKey) published.getKeyByKeyId(token.getHeader().getKeyID());
        assertThat(key).as("the token's key is published").isNotNull();
        assertThat(key.isPrivate()).as("only the public half is published").isFalse();
        assertThat(token.verify(new RSASSAVerifier(key))).isTrue();

        JWTClaimsSet claims = token.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo("pullmail:alpha.test");
        assertThat(claims.getSubject()).isEqualTo("tokens@alpha.test");
        assertThat(claims.getStringListClaim("roles")).containsExactly("USER");
        assertThat(Duration.between(claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant()))
                .isEqualTo(Duration.ofMinutes(15));

        // the token opens the user API; the same claims signed by another key (with the same kid) do not
        assertThat(get("/api/v1/inbox/requests", token.serialize()).statusCode()).isEqualTo(200);
        RSAKey other = new RSAKeyGenerator(2048).keyID(key.getKeyID()).generate();
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                claims);
        forged.sign(new RSASSASigner(other));
        INBOX.received.clear();
        assertThat(get("/api/v1/inbox/requests", forged.serialize()).statusCode()).isEqualTo(401);
        assertThat(INBOX.received).as("a refused token reaches no service").isEmpty();
    }

    @Test
    void aWrongPasswordAndAnUnknownAccountGetTheSame401Problem() throws Exception {
        HttpResponse<String> wrong = tokenRequest("tokens@alpha.test", "not-the-password");
        assertProblem(wrong, 401, "invalid-credentials");
        assertThat(wrong.body()).doesNotContain("access_token");
        HttpResponse<String> unknown = tokenRequest("nobody@alpha.test", PASSWORD);
        assertProblem(unknown, 401, "invalid-credentials");
        assertThat(json(unknown).get("detail")).isEqualTo(json(wrong).get("detail"));

        // a grant without a password is a bad request, not a failed login
        assertProblem(send("POST", "/api/v1/auth/token", null, "{\"address\":\"tokens@alpha.test\"}"), 400,
                "invalid-request");
        assertProblem(send("POST", "/api/v1/auth/token", null, "{\"address\":"), 400, "invalid-request");
    }

    @Test
    void aDisabledAccountGetsNoTokenAndTheOneItHoldsIsRefused() throws Exception {
        String admin = login(ADMIN, PASSWORD);
        String held = login("disabled@alpha.test", PASSWORD);
        assertThat(get("/api/v1/outbox/messages", held).statusCode()).isEqualTo(200);

        assertThat(send("PUT", "/api/v1/admin/accounts/disabled@alpha.test/disabled", admin, "{\"disabled\":true}")
                .statusCode()).isEqualTo(200);
        assertProblem(tokenRequest("disabled@alpha.test", PASSWORD), 401, "invalid-credentials");
        OUTBOX.received.clear();
        assertThat(get("/api/v1/outbox/messages", held).statusCode()).isEqualTo(401);
        assertThat(OUTBOX.received).isEmpty();

        assertThat(send("PUT", "/api/v1/admin/accounts/disabled@alpha.test/disabled", admin, "{\"disabled\":false}")
                .statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/outbox/messages", held).statusCode()).as("enabling does not bring it back")
                .isEqualTo(401);
        Awaitility.await("a new token works once the second of the revocation has passed")
                .atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(300))
                .until(() -> get("/api/v1/outbox/messages", login("disabled@alpha.test", PASSWORD)).statusCode() == 200);
    }

    @Test
    void aPasswordResetRevokesTheTokensIssuedWithTheOldOne() throws Exception {
        String admin = login(ADMIN, PASSWORD);
        String before = login("reset@alpha.test", PASSWORD);
        assertThat(get("/api/v1/inbox/requests", before).statusCode()).isEqualTo(200);

        String newPassword = "a-brand-new-password";
        assertThat(send("POST", "/api/v1/admin/accounts/reset@alpha.test/password", admin,
                "{\"password\":\"" + newPassword + "\"}").statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/inbox/requests", before).statusCode()).isEqualTo(401);
        assertProblem(tokenRequest("reset@alpha.test", PASSWORD), 401, "invalid-credentials");
        Awaitility.await("the new password gives a token that works").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> get("/api/v1/inbox/requests", login("reset@alpha.test", newPassword)).statusCode() == 200);

        // a password the admin API does not take changes nothing
        assertProblem(send("POST", "/api/v1/admin/accounts/reset@alpha.test/password", admin,
                "{\"password\":\"short\"}"), 400, "invalid-request");
        assertThat(tokenRequest("reset@alpha.test", newPassword).statusCode()).isEqualTo(200);
    }

    @Test
    void afterThreeFailedLoginsEvenTheRightPasswordWaitsWith429AndRetryAfter() throws Exception {
        for (String guess : List.of("guess-1", "guess-2", "guess-3")) {
            assertProblem(tokenRequest("throttled@alpha.test", guess), 401, "invalid-credentials");
        }
        HttpResponse<String> throttled = tokenRequest("throttled@alpha.test", PASSWORD);
        assertProblem(throttled, 429, "too-many-logins");
        long retryAfter = Long.parseLong(throttled.headers().firstValue("Retry-After").orElseThrow());
        // three failures per 15 minutes refill one every 5 minutes
        assertThat(retryAfter).isBetween(1L, 300L);
        assertThat(throttled.body()).doesNotContain("access_token");

        // another account at the same address is not held up
        assertThat(tokenRequest("tokens@alpha.test", PASSWORD).statusCode()).isEqualTo(200);
    }
}
