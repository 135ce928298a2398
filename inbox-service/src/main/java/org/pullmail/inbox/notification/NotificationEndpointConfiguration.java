package org.pullmail.inbox.notification;

import java.util.Map;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.http.PmpVerifier;
import org.pullmail.service.PullmailProperties;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

import io.micrometer.core.instrument.MeterRegistry;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;

/** Registers {@link NotificationEndpoint} ahead of the security filters, and documents it in the OpenAPI. */
@Configuration(proxyBeanMethods = false)
class NotificationEndpointConfiguration {

    @Bean
    FilterRegistrationBean<NotificationEndpoint> notificationEndpoint(NotificationIntake intake, PmpVerifier verifier,
            DiscoveryClient discovery, PullmailProperties pullmail, IntakeLimits limits, InboxProperties inbox,
            MeterRegistry meters) {
        FilterRegistrationBean<NotificationEndpoint> registration = new FilterRegistrationBean<>(
                new NotificationEndpoint(intake, verifier, discovery, pullmail, limits, inbox, meters));
        registration.addUrlPatterns(Pmp.NOTIFY_PATH);
        // after the request observation (metrics and traces of every request), before Spring Security
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
        registration.setName("notificationEndpoint");
        return registration;
    }

    /** The endpoint is not a controller, so its OpenAPI operation is written here. */
    @Bean
    OpenApiCustomizer notificationEndpointDocumentation() {
        return api -> {
            Content json = new Content().addMediaType("application/json", new MediaType().schema(new ObjectSchema()));
            Content problem = new Content().addMediaType("application/problem+json",
                    new MediaType().schema(new ObjectSchema()));
            ApiResponses responses = new ApiResponses()
                    .addApiResponse("200", new ApiResponse().description("the receipt: each recipient's outcome")
                            .content(json));
            Map.of("400", "malformed, or fails a check of PROTOCOL.md 3.3", "401", "unsigned, or the signature or its key does not verify, or its nonce was used",
                    "413", "larger than a notification may be", "415", "not application/json",
                    "429", "over an intake limit (Retry-After)", "502", "the sender's discovery document is unreachable",
                    "503", "briefly unable to store it (Retry-After)")
                    .forEach((status, description) -> responses.addApiResponse(status,
                            new ApiResponse().description(description).content(problem)));
            api.path(Pmp.NOTIFY_PATH, new PathItem().post(new Operation().operationId("receiveNotification")
                    .summary("PMP/1: a sender domain notifies this domain of a message (PROTOCOL.md 3)")
                    .requestBody(new RequestBody().required(true).content(json)).responses(responses)));
        };
    }
}
