package org.pullmail.gateway.edge;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.http.client.HttpComponentsClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.autoconfigure.ClientHttpRequestFactoryBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The client the gateway proxies with: Apache HttpClient 5, synchronous and pooled (the gateway sets it
 * not to follow redirects). Its pool allows as many connections to a service as the gateway has request
 * threads, so that no request waits for a connection. Event streams do not use it: see events/EventStreamProxy.
 */
@Configuration(proxyBeanMethods = false)
class ProxyClient {

    @Bean
    ClientHttpRequestFactoryBuilderCustomizer<HttpComponentsClientHttpRequestFactoryBuilder> proxyConnectionPool(
            @Value("${server.jetty.threads.max:200}") int requestThreads) {
        return builder -> builder.withConnectionManagerCustomizer(pool -> pool
                .setMaxConnPerRoute(requestThreads)
                .setMaxConnTotal(4 * requestThreads));
    }
}
