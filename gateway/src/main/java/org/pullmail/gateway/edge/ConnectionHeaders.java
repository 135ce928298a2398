package org.pullmail.gateway.edge;

import java.util.ArrayList;
import java.util.List;

import org.springframework.cloud.gateway.server.mvc.filter.HttpHeadersFilter.RequestHttpHeadersFilter;
import org.springframework.cloud.gateway.server.mvc.filter.HttpHeadersFilter.ResponseHttpHeadersFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * Headers that belong to one connection stay on it (RFC 9110 7.6.1). Spring Cloud Gateway drops the standard
 * hop-by-hop headers, Connection among them, but passes on the headers a Connection header names; these filters
 * drop those first, both ways. The edge's own statement of the client's address is not the client's to drop.
 * Jetty's proxy does the same for PMP/1 ({@link PmpEdge}).
 *
 * <p>A service's Date is dropped too: the edge writes its own, and two would reach the client.
 */
@Configuration(proxyBeanMethods = false)
class ConnectionHeaders {

    @Bean
    RequestHttpHeadersFilter connectionScopedRequestHeaders() {
        return new ToTheService();
    }

    @Bean
    ResponseHttpHeadersFilter connectionScopedResponseHeaders() {
        return new ToTheClient();
    }

    /** Ordered before Spring Cloud Gateway's own removal, which takes the Connection header away. */
    private static final class ToTheService implements RequestHttpHeadersFilter, Ordered {

        @Override
        public HttpHeaders apply(HttpHeaders headers, ServerRequest request) {
            return without(headers, named(headers));
        }

        @Override
        public int getOrder() {
            return 0;
        }
    }

    private static final class ToTheClient implements ResponseHttpHeadersFilter, Ordered {

        @Override
        public HttpHeaders apply(HttpHeaders headers, ServerResponse response) {
            List<String> dropped = new ArrayList<>(named(headers));
            dropped.add(HttpHeaders.DATE);
            return without(headers, dropped);
        }

        @Override
        public int getOrder() {
            return 0;
        }
    }

    /** The header names a Connection header lists, but never the edge's own client address header. */
    private static List<String> named(HttpHeaders headers) {
        return headers.getValuesAsList(HttpHeaders.CONNECTION).stream()
                .filter(name -> !name.equalsIgnoreCase(ClientAddressHeader.HEADER)).toList();
    }

    private static HttpHeaders without(HttpHeaders headers, List<String> names) {
        if (names.isEmpty()) {
            return headers;
        }
        HttpHeaders kept = new HttpHeaders();
        headers.forEach((name, values) -> {
            if (names.stream().noneMatch(name::equalsIgnoreCase)) {
                kept.addAll(name, values);
            }
        });
        return kept;
    }
}
