package org.pullmail.service;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Each service verifies users' access tokens itself, against the gateway's JWK set (it does not
 * trust that a request passed the gateway). PMP/1 endpoints carry their own HTTP signatures;
 * internal endpoints the domain's internal secret ({@link InternalApi}), besides being reachable only
 * inside the domain's network.
 */
@AutoConfiguration
@ConditionalOnWebApplication(
        type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(PullmailProperties.class)
public class ResourceServerSecurity {

    /** The claim that lists a user's roles in Pullmail access tokens. */
    public static final String ROLES_CLAIM = "roles";

    /**
     * PMP/1 and internal endpoints: no user authentication (requests carry HTTP signatures, or the
     * domain's internal secret), no session, and none of the browser security headers, which would only
     * add bytes to every notification a recipient pays for.
     */
    @Bean
    @Order(1)
    @ConditionalOnMissingBean(name = "protocolSecurity")
    SecurityFilterChain protocolSecurity(HttpSecurity http, InternalApi internal) throws Exception {
        http.addFilterBefore(new InternalApiFilter(internal), AuthorizationFilter.class);
        return protocolChain(http, "/pmp/**", "/.well-known/**", InternalApi.PATHS);
    }

    /**
     * The domain's internal secret, for the endpoints this service serves under {@code /internal/**} and the
     * ones it calls on the others (every service does one or both, the gateway only calls): without a usable
     * secret the service does not start.
     */
    @Bean
    @ConditionalOnMissingBean
    InternalApi internalApi(PullmailProperties pullmail) {
        return new InternalApi(pullmail.internalSecret());
    }

    /** The chain for paths whose requests carry their own proof; shared with the gateway. */
    public static SecurityFilterChain protocolChain(HttpSecurity http, String... paths) throws Exception {
        http.securityMatcher(paths)
                .csrf(csrf -> csrf.disable())
                .headers(headers -> headers.disable())
                .requestCache(cache -> cache.disable())
                .securityContext(context -> context.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .authorizeHttpRequests(auth -> auth.anyRequest().permitAll());
        return http.build();
    }

    @Bean
    @Order(2)
    @ConditionalOnMissingBean(name = {"apiSecurity", "gatewayChain"})
    SecurityFilterChain apiSecurity(HttpSecurity http) throws Exception {
        return bearerTokens(http).authorizeHttpRequests(auth -> auth
                        .requestMatchers("/actuator/health/**", "/actuator/health", "/actuator/info",
                                "/actuator/prometheus", "/livez", "/readyz").permitAll()
                        // internal endpoints only ever pass protocolSecurity, which checks the internal secret
                        .requestMatchers("/pmp/**", "/.well-known/**").permitAll()
                        .requestMatchers("/v3/api-docs/**", "/v3/api-docs").permitAll()
                        .requestMatchers("/api/v1/admin/**").hasRole("ADMIN")
                        .requestMatchers(HttpMethod.OPTIONS, "/**").permitAll()
                        .requestMatchers("/api/**").authenticated()
                        .anyRequest().denyAll())
                .build();
    }

    /**
     * Stateless bearer-token authentication whose refusals are problem+json; shared with the gateway,
     * which adds its own rules.
     */
    public static HttpSecurity bearerTokens(HttpSecurity http) throws Exception {
        return http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .oauth2ResourceServer(rs -> rs
                        .jwt(jwt -> jwt.jwtAuthenticationConverter(authenticationConverter()))
                        .authenticationEntryPoint(ResourceServerSecurity::unauthenticated))
                .exceptionHandling(ex -> ex
                        .authenticationEntryPoint(ResourceServerSecurity::unauthenticated)
                        .accessDeniedHandler((request, response, e) -> ProblemResponses.write(response, 403,
                                "forbidden", "Forbidden", "this account may not do that")))
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable());
    }

    private static void unauthenticated(HttpServletRequest request,
            HttpServletResponse response,
            AuthenticationException e) throws IOException {
        ProblemResponses.write(response, 401, "unauthenticated", "Authentication required",
                "send a valid access token from POST /api/v1/auth/token as a Bearer token");
    }

    @Bean
    @ConditionalOnMissingBean(JwtDecoder.class)
    JwtDecoder jwtDecoder(PullmailProperties pullmail) {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(pullmail.jwksUrl().toString()).build();
        OAuth2TokenValidator<Jwt> validator = new DelegatingOAuth2TokenValidator<>(
                JwtValidators.createDefaultWithIssuer(pullmail.issuer()));
        decoder.setJwtValidator(validator);
        return decoder;
    }

    /** Maps the {@code roles} claim to Spring authorities ({@code ROLE_USER}, {@code ROLE_ADMIN}). */
    public static JwtAuthenticationConverter authenticationConverter() {
        JwtAuthenticationConverter converter = new JwtAuthenticationConverter();
        converter.setJwtGrantedAuthoritiesConverter(jwt -> {
            Collection<GrantedAuthority> authorities = new ArrayList<>();
            List<String> roles = jwt.getClaimAsStringList(ROLES_CLAIM);
            if (roles != null) {
                roles.forEach(role -> authorities.add(new SimpleGrantedAuthority("ROLE_" + role)));
            }
            return authorities;
        });
        return converter;
    }
}
