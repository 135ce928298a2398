package org.pullmail.protocol.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;

/**
 * A domain that says it has no PMP/1 document (404, 410) or whose name does not resolve is told apart from one
 * that cannot be reached just now: only the former may take another way (the SMTP bridge), the latter is retried.
 */
class NoDiscoveryDocumentTest {

    private HttpServer server;
    private final AtomicInteger status = new AtomicInteger(404);
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private DiscoveryClient discovery() {
        return new DiscoveryClient(Clock.systemUTC(),
                Map.of("legacy.test", URI.create("http://127.0.0.1:" + server.getAddress().getPort())), false);
    }

    @Test
    void aDomainAnswering404Or410HasNoDocumentAndIsRememberedSo() {
        for (int answer : new int[] {404, 410}) {
            status.set(answer);
            DiscoveryClient discovery = discovery();
            assertThatThrownBy(() -> discovery.discover("legacy.test"))
                    .isInstanceOfSatisfying(NoDiscoveryDocumentException.class, e -> {
                        assertThat(e.type()).isEqualTo(ProblemType.DISCOVERY_FAILED);
                        assertThat(e.detail()).contains("answered " + answer).contains("no PMP/1 document");
                    });
            // asked again within the failure memory: the same kind of answer, without a second request
            int asked = requests.get();
            assertThatThrownBy(() -> discovery.discover("legacy.test")).isInstanceOf(NoDiscoveryDocumentException.class);
            assertThat(requests.get()).isEqualTo(asked);
        }
    }

    @Test
    void aRedirectAClosedDoorOrAWebPageIsNoDocumentEither() {
        for (int answer : new int[] {301, 302, 308, 401, 403, 405}) {
            status.set(answer);
            assertThatThrownBy(() -> discovery().discover("legacy.test"))
                    .as("answer " + answer).isInstanceOf(NoDiscoveryDocumentException.class);
        }
        status.set(200);
        assertThatThrownBy(() -> discovery().discover("legacy.test"))
                .isInstanceOfSatisfying(NoDiscoveryDocumentException.class,
                        e -> assertThat(e.detail()).contains("page, not a document"));
        for (int answer : new int[] {408, 429, 500, 502}) {
            status.set(answer);
            assertThatThrownBy(() -> discovery().discover("legacy.test"))
                    .as("answer " + answer).isInstanceOf(ProtocolException.class)
                    .isNotInstanceOf(NoDiscoveryDocumentException.class);
        }
    }

    @Test
    void aDomainAnswering503IsATransientFailureNotAMissingDocument() {
        status.set(503);
        DiscoveryClient discovery = discovery();
        assertThatThrownBy(() -> discovery.discover("legacy.test"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.detail()).contains("answered 503"))
                .isNotInstanceOf(NoDiscoveryDocumentException.class);
        assertThatThrownBy(() -> discovery.discover("legacy.test")).isNotInstanceOf(NoDiscoveryDocumentException.class);
    }

    @Test
    void aNameThatDoesNotResolveHasNoDocument() {
        DiscoveryClient discovery = new DiscoveryClient(Clock.systemUTC(), Map.of(), false);
        assertThatThrownBy(() -> discovery.discover("nowhere.invalid"))
                .isInstanceOfSatisfying(NoDiscoveryDocumentException.class,
                        e -> assertThat(e.detail()).contains("nowhere.invalid does not resolve"));
    }
}
