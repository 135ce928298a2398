package org.pullmail.gateway.edge;

import java.security.interfaces.RSAPublicKey;

import com.nimbusds.jose.JOSEException;

import org.pullmail.gateway.token.TokenKeys;
import org.pullmail.service.PullmailProperties;
import org.pullmail.service.ResourceServerSecurity;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The gateway checks tokens only for its own endpoints (admin). Routed API paths pass the
 * Authorization header through and each service verifies the token itself; PMP/1 paths carry
 * their own signatures.
 */
@Configuration(proxyBeanMethods = false)
class GatewaySecurity {

    /** PMP/1 passes through without user authentication and without browser headers (bytes recipients pay for). */
    @Bean
    @org.springframework.core.annotation.Order(1)
    SecurityFilterChain protocolSecurity(HttpSecurity http) throws Exception {
        return ResourceServerSecurity.protocolChain(http, "/pmp/**", "/.well-known/pullmail");
    }

    @Bean
    @org.springframework.core.annotation.Order(2)
    SecurityFilterChain gatewayChain(HttpSecurity http) throws Exception {
        return ResourceServerSecurity.bearerTokens(http).authorizeHttpRequests(auth -> auth
                        .requestMatchers("/actuator/health/**", "/actuator/health", "/actuator/info",
                                "/actuator/prometheus", "/livez", "/readyz").permitAll()
                        .requestMatchers("/api/v1/auth/**", "/v3/api-docs/**", "/v3/api-docs").permitAll()
                        .requestMatchers("/admin", "/admin/**", "/webjars/**", "/swagger-ui/**", "/favicon.ico").permitAll()
                        .requestMatchers("/api/v1/admin/**").hasRole("ADMIN")
                        .requestMatchers("/api/v1/outbox/**", "/api/v1/inbox/**").permitAll()
                        .requestMatchers("/pmp/**", "/.well-known/pullmail").permitAll()
                        .anyRequest().denyAll())
                .build();
    }

    /** The gateway verifies its own tokens with its own key, without a network round trip. */
    @Bean
    JwtDecoder gatewayJwtDecoder(TokenKeys keys, PullmailProperties pullmail) throws JOSEException {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withPublicKey((RSAPublicKey) keys.signingKey().toPublicKey()).build();
        decoder.setJwtValidator(JwtValidators.createDefaultWithIssuer(pullmail.issuer()));
        return decoder;
    }
}
