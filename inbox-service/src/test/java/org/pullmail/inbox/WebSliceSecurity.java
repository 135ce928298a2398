package org.pullmail.inbox;

import org.pullmail.service.ProblemAdvice;
import org.pullmail.service.ResourceServerSecurity;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.JwtDecoder;

/**
 * What a {@code @WebMvcTest} of this service needs from the shared defaults to answer as the service does:
 * its security chains (bearer tokens, problem+json refusals) and its problem advice. Tests sign users in
 * with spring-security-test's {@code jwt()}; a token sent as a header is never valid here.
 */
@TestConfiguration
@EnableWebSecurity
@Import(ProblemAdvice.class)
@ImportAutoConfiguration(ResourceServerSecurity.class)
public class WebSliceSecurity {

    @Bean
    JwtDecoder jwtDecoder() {
        return token -> {
            throw new BadJwtException("web slice tests sign in with jwt(), not with tokens");
        };
    }
}
