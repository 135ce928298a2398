package org.pullmail.service;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.httpcomponents.hc5.ObservationExecChainHandler;
import io.micrometer.java11.instrument.binder.jdk.MicrometerHttpClient;
import io.micrometer.observation.ObservationRegistry;

import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.http.PmpVerifier;
import org.pullmail.protocol.peer.PeerClient;
import org.pullmail.protocol.peer.PeerPolicy;
import org.pullmail.service.keys.DomainKeyRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.transaction.support.TransactionTemplate;

/** What every Pullmail service gets: its domain's properties, problems, discovery, keys, nonces. */
@AutoConfiguration
@EnableConfigurationProperties({PullmailProperties.class, PeerExchangeProperties.class})
@EnableScheduling
@Import(ProblemAdvice.class)
public class ServiceDefaultsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * One pooled HTTP/1.1 client per service for calls within the domain (exchanges with other domains
     * go through {@link PeerClient}), observed by Micrometer:
     * latency metrics ({@code http.client.requests}) and W3C {@code traceparent} on every request.
     */
    @Bean
    @ConditionalOnMissingBean
    HttpClient pmpHttpClient(ObjectProvider<MeterRegistry> meters,
            ObjectProvider<ObservationRegistry> observations) {
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        MeterRegistry registry = meters.getIfAvailable();
        if (registry == null) {
            return client;
        }
        return MicrometerHttpClient.instrumentationBuilder(client, registry)
                .observationRegistry(observations.getIfAvailable(() -> ObservationRegistry.NOOP))
                .uriMapper(request -> UUID_SEGMENT.matcher(request.uri().getPath()).replaceAll("/{id}"))
                .build();
    }

    private static final Pattern UUID_SEGMENT = Pattern.compile("/[0-9a-fA-F-]{36}");

    /**
     * No observations of Spring Security's own: they wrap each of a dozen filters of every request in an
     * observation (a timer and a span apiece), which profiling showed to cost more than the filters themselves.
     * Every request stays observed as a whole ({@code http.server.requests}, its span and {@code traceparent}).
     */
    @Bean
    @ConditionalOnMissingBean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    /** Message bytes in chunks, for the services that keep messages (the outbox and the inbox). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "pullmail.stores-messages",
            havingValue = "true")
    static class MessageBytesConfiguration {

        @Bean
        @ConditionalOnMissingBean
        MessageBytes messageBytes(JdbcClient jdbc, Clock clock) {
            return new MessageBytes(jdbc, clock);
        }

        @Bean
        MessageBytes.Sweep messageUploadSweep(MessageBytes bytes, Clock clock) {
            return new MessageBytes.Sweep(bytes, clock);
        }
    }

    /** Discovery, signature verification and domain keys: for services that speak PMP/1 (not the gateway). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "pullmail.speaks-pmp",
            havingValue = "true", matchIfMissing = true)
    static class PmpConfiguration {

        /**
         * The client of every exchange with another domain: whole-exchange deadlines, bounded reads, and
         * connections to the addresses that passed the SSRF check (PROTOCOL.md 8.2). Observed like the
         * JDK client ({@code httpcomponents.httpclient.request}, and {@code traceparent} on every request).
         */
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        PeerClient peerClient(PullmailProperties pullmail, PeerExchangeProperties exchange,
                ObjectProvider<ObservationRegistry> observations) {
            ObservationRegistry registry = observations.getIfAvailable();
            return PeerClient.builder()
                    .policy(new PeerPolicy(pullmail.discovery().overrides(), pullmail.discovery().allowPrivateAddresses()))
                    .deadline(exchange.deadline())
                    .minBytesPerSecond(exchange.minBytesPerSecond())
                    .idleTimeout(exchange.idleTimeout())
                    .connectTimeout(exchange.connectTimeout())
                    .maxConnectionsPerHost(exchange.maxConnectionsPerHost())
                    .customizer(builder -> {
                        if (registry != null) {
                            builder.addExecInterceptorLast("micrometer", new ObservationExecChainHandler(registry));
                        }
                    })
                    .build();
        }

        @Bean
        @ConditionalOnMissingBean
        DiscoveryClient discoveryClient(PeerClient peers, Clock clock) {
            return new DiscoveryClient(peers, clock);
        }

        @Bean
        @ConditionalOnMissingBean
        JdbcNonceStore nonceStore(JdbcClient jdbc, Clock clock) {
            return new JdbcNonceStore(jdbc, clock);
        }

        @Bean
        @ConditionalOnMissingBean
        PmpVerifier pmpVerifier(Clock clock, JdbcNonceStore nonces) {
            return new PmpVerifier(clock, nonces);
        }

        /** Only services that sign PMP/1 requests (notifier, inbox) hold domain keys. */
        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnProperty(name = "pullmail.signs-requests", havingValue = "true")
        DomainKeys domainKeys(DomainKeyRepository keys, TransactionTemplate tx, Clock clock,
                PullmailProperties pullmail, @Value("${spring.application.name}") String service) {
            return new DomainKeys(keys, tx, clock, pullmail.domain(), service,
                    pullmail.signingKey() == null ? "" : pullmail.signingKey());
        }

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnProperty(name = "pullmail.signs-requests", havingValue = "true")
        KeyRotation keyRotation(DomainKeys keys, PullmailProperties pullmail) {
            return new KeyRotation(keys, pullmail.keys().publishLead());
        }
    }
}
