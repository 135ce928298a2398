package org.pullmail.gateway.edge;

import java.security.interfaces.RSAPublicKey;

import com.nimbusds.jose.JOSEException;

import org.pullmail.gateway.token.Revocations;
import org.pullmail.gateway.token.TokenKeys;
import org.pullmail.service.PullmailProperties;
import org.pullmail.service.ResourceServerSecurity;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.util.function.SingletonSupplier;

/**
 * The gateway checks every access token it sees, on every path, against its own key and against
 * {@link Revocations}, so a disabled account's tokens stop working at once. The user API (outbox and inbox)
 * requires a valid token here already, so that nobody without one can send the gateway a body to read; each
 * service still verifies the token itself. PMP/1 paths carry their own signatures.
 *
 * <p>Prometheus metrics are not public: on the public port they take an admin's token. Where the operator sets
 * {@code management.server.port} (Kubernetes, Compose), the scraper reads them there, a port that is not
 * exposed beyond the domain's network.
 */
@Configuration(proxyBeanMethods = false)
class GatewaySecurity {

    /** PMP/1 passes through without user authentication and without browser headers (bytes recipients pay for). */
    @Bean
    @Order(1)
    SecurityFilterChain protocolSecurity(HttpSecurity http) throws Exception {
        return ResourceServerSecurity.protocolChain(http, "/pmp/**", "/.well-known/pullmail");
    }

    @Bean
    @Order(2)
    SecurityFilterChain gatewayChain(HttpSecurity http, @Value("${management.server.port:-1}") int managementPort,
            @Value("${server.port:8080}") int serverPort) throws Exception {
        RequestMatcher managementPortOnly = request -> managementPort > 0 && managementPort != serverPort
                && request.getLocalPort() == managementPort;
        return ResourceServerSecurity.bearerTokens(http).authorizeHttpRequests(auth -> auth
                        .requestMatchers("/actuator/health/**", "/actuator/health", "/actuator/info",
                                "/livez", "/readyz").permitAll()
                        .requestMatchers(managementPortOnly).permitAll()
                        .requestMatchers("/actuator/prometheus").hasRole("ADMIN")
                        .requestMatchers("/api/v1/auth/**", "/v3/api-docs/**", "/v3/api-docs").permitAll()
                        .requestMatchers("/admin", "/admin/**", "/webjars/**", "/swagger-ui/**", "/favicon.ico").permitAll()
                        .requestMatchers("/api/v1/admin/**").hasRole("ADMIN")
                        .requestMatchers(HttpMethod.OPTIONS, "/api/v1/outbox/**", "/api/v1/inbox/**").permitAll()
                        .requestMatchers("/api/v1/outbox/**", "/api/v1/inbox/**").authenticated()
                        .requestMatchers("/pmp/**", "/.well-known/pullmail").permitAll()
                        .anyRequest().denyAll())
                .build();
    }

    /**
     * The gateway verifies its own tokens with its own key, without a network round trip. The verifier is
     * built at the first token, when the key is first read (start-up does not wait for the database).
     */
    @Bean
    JwtDecoder gatewayJwtDecoder(TokenKeys keys, PullmailProperties pullmail, Revocations revocations) {
        SingletonSupplier<NimbusJwtDecoder> decoder = SingletonSupplier.of(() -> {
            try {
                NimbusJwtDecoder verifier = NimbusJwtDecoder
                        .withPublicKey((RSAPublicKey) keys.signingKey().toPublicKey()).build();
                verifier.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
                        JwtValidators.createDefaultWithIssuer(pullmail.issuer()), revocations));
                return verifier;
            } catch (JOSEException e) {
                throw new IllegalStateException("the token key has no RSA public key", e);
            }
        });
        return token -> decoder.obtain().decode(token);
    }
}
