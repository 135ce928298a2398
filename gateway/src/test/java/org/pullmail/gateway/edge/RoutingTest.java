package org.pullmail.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pullmail.gateway.GatewayWithStandIns;
import org.pullmail.gateway.StandInService;

/**
 * Which service behind the gateway gets which request, and what of the request it gets: the path and query as
 * sent, the body, the end-to-end headers and the client's address as the edge saw it; never the hop-by-hop
 * headers of the client's connection to the edge.
 */
class RoutingTest extends GatewayWithStandIns {

    @Test
    void eachPathOfTheApiGoesToItsServiceWithQueryBodyAndEndToEndHeaders() throws Exception {
        String token = login("router@alpha.test", PASSWORD);
        HttpResponse<String> messages = http.send(HttpRequest.newBuilder(url("/api/v1/outbox/messages?limit=5&state=sent"))
                .header("Authorization", "Bearer " + token).header("X-Request-Note", "kept")
                .header("X-Pullmail-Client", "6.6.6.6").timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(messages.statusCode()).isEqualTo(200);
        assertThat(messages.headers().firstValue("X-Stand-In")).as("the service's answer comes back").hasValue("outbox");
        StandInService.Received sent = only(OUTBOX);
        assertThat(sent.method()).isEqualTo("GET");
        // the query's parameters in any order (the proxy rebuilds the query from them)
        assertThat(sent.target()).startsWith("/api/v1/outbox/messages?");
        assertThat(sent.target().substring(sent.target().indexOf('?') + 1).split("&"))
                .containsExactlyInAnyOrder("limit=5", "state=sent");
        assertThat(sent.header("Authorization")).as("each service verifies the token itself").isEqualTo("Bearer " + token);
        assertThat(sent.header("X-Request-Note")).isEqualTo("kept");
        assertThat(sent.headers().get("X-Pullmail-Client")).as("the edge states the address, whatever the client says")
                .containsExactly("127.0.0.1");
        assertThat(INBOX.received).isEmpty();
        assertThat(NOTIFIER.received).isEmpty();

        HttpResponse<String> accepted = send("POST", "/api/v1/inbox/requests/r-1/accept", token, "{\"note\":\"ü\"}");
        assertThat(accepted.statusCode()).isEqualTo(200);
        StandInService.Received accept = only(INBOX);
        assertThat(accept.target()).isEqualTo("/api/v1/inbox/requests/r-1/accept");
        assertThat(accept.text()).isEqualTo("{\"note\":\"ü\"}");
        assertThat(accept.header("Content-Type")).as("as the client sent it").isEqualTo("application/json");
        assertThat(OUTBOX.received).isEmpty();

        // admin paths go to the service that owns them; the gateway's own stay with it
        String admin = login(ADMIN, PASSWORD);
        for (var route : List.of(List.of("/api/v1/admin/queue?state=failed", NOTIFIER),
                List.of("/api/v1/admin/keys", NOTIFIER), List.of("/api/v1/admin/outbox/accounts/a@alpha.test", OUTBOX),
                List.of("/api/v1/admin/inbound/domain", INBOX), List.of("/api/v1/admin/smtp/dkim", BRIDGE))) {
            String path = (String) route.get(0);
            StandInService service = (StandInService) route.get(1);
            service.received.clear();
            assertThat(get(path, admin).statusCode()).as(path).isEqualTo(200);
            assertThat(only(service).target()).as(path).isEqualTo(path);
        }
        OUTBOX.received.clear();
        INBOX.received.clear();
        NOTIFIER.received.clear();
        assertThat(get("/api/v1/admin/accounts", admin).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/elsewhere", token).statusCode()).isBetween(401, 404);
        assertThat(BRIDGE.received).as("an admin path of the bridge's, never a user's").isEmpty();
        assertThat(OUTBOX.received).isEmpty();
        assertThat(INBOX.received).isEmpty();
        assertThat(NOTIFIER.received).isEmpty();
    }

    @Test
    void eachPmpPathGoesToItsServiceAsSentWithTheClientsAddress() throws Exception {
        String notification = "{\"id\":\"n-1\"}";
        HttpResponse<String> notified = http.send(HttpRequest.newBuilder(url("/pmp/v1/notifications"))
                .header("Content-Type", "application/json").header("X-Pullmail-Client", "6.6.6.6")
                .header("Signature-Input", "sig=(\"@method\")").header("Signature", "sig=:AAAA:")
                .POST(HttpRequest.BodyPublishers.ofString(notification)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(notified.statusCode()).isEqualTo(200);
        StandInService.Received knock = only(INBOX);
        assertThat(knock.target()).isEqualTo("/pmp/v1/notifications");
        assertThat(knock.text()).isEqualTo(notification);
        assertThat(knock.header("Content-Type")).isEqualTo("application/json");
        assertThat(knock.header("Signature-Input")).as("the signature reaches the inbox unchanged")
                .isEqualTo("sig=(\"@method\")");
        assertThat(knock.header("Signature")).isEqualTo("sig=:AAAA:");
        assertThat(knock.headers().get("X-Pullmail-Client")).containsExactly("127.0.0.1");

        HttpResponse<String> fetched = http.send(HttpRequest.newBuilder(url("/pmp/v1/messages/0a1b?part=1"))
                .header("Authorization", "PMP-Capability t0k3n").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(fetched.statusCode()).isEqualTo(200);
        StandInService.Received fetch = only(OUTBOX);
        assertThat(fetch.target()).isEqualTo("/pmp/v1/messages/0a1b?part=1");
        assertThat(fetch.header("Authorization")).isEqualTo("PMP-Capability t0k3n");

        // mail bridged from SMTP is served by the bridge (PROTOCOL.md 3.6), the rest of the fetch base by the outbox
        for (String path : List.of("/pmp/v1/messages/smtp/01f2", "/pmp/v1/messages/smtp/01f2/status")) {
            HttpResponse<String> bridged = http.send(HttpRequest.newBuilder(url(path))
                    .header("Authorization", "PMP-Capability t0k3n").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(bridged.statusCode()).isEqualTo(200);
            assertThat(only(BRIDGE).target()).isEqualTo(path);
            BRIDGE.received.clear();
        }
        assertThat(OUTBOX.received).isEmpty();

        assertThat(get("/.well-known/pullmail", null).statusCode()).isEqualTo(200);
        assertThat(only(NOTIFIER).target()).isEqualTo("/.well-known/pullmail");
        assertThat(INBOX.received).isEmpty();
        assertThat(OUTBOX.received).isEmpty();
        assertThat(BRIDGE.received).isEmpty();
    }

    @Test
    void hopByHopHeadersStayAtTheEdgeOnBothPaths() throws Exception {
        String token = login("router@alpha.test", PASSWORD);
        byte[] body = "{\"draft\":true}".getBytes(StandardCharsets.UTF_8);
        String hopByHop = "Connection: close, X-Hop-Secret\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
                + "Proxy-Authorization: Basic c2VjcmV0\r\nX-Hop-Secret: between-client-and-edge\r\n"
                + "X-End-To-End: kept\r\nContent-Type: application/json\r\nContent-Length: " + body.length;

        String answer = raw("POST /api/v1/outbox/messages HTTP/1.1\r\nHost: alpha.test\r\nAuthorization: Bearer "
                + token + "\r\n" + hopByHop, body);
        assertThat(answer).startsWith("HTTP/1.1 200 ");
        assertOnlyEndToEndHeaders(only(OUTBOX), body);

        answer = raw("POST /pmp/v1/notifications HTTP/1.1\r\nHost: alpha.test\r\n" + hopByHop, body);
        assertThat(answer).startsWith("HTTP/1.1 200 ");
        assertOnlyEndToEndHeaders(only(INBOX), body);
    }

    private static void assertOnlyEndToEndHeaders(StandInService.Received received, byte[] body) {
        assertThat(received.body()).isEqualTo(body);
        assertThat(received.header("X-End-To-End")).isEqualTo("kept");
        for (String hop : List.of("Keep-Alive", "TE", "Proxy-Authorization", "X-Hop-Secret")) {
            assertThat(received.header(hop)).as(hop + " on " + received.target()).isNull();
        }
        assertThat(String.valueOf(received.header("Connection"))).as("Connection on " + received.target())
                .doesNotContainIgnoringCase("x-hop-secret");
    }

    @Test
    void aBodyOverTheLimitIsRefusedWith413BeforeItReachesAService() throws Exception {
        String token = login("sizes@alpha.test", PASSWORD);
        HttpResponse<String> tooLarge = http.send(HttpRequest.newBuilder(url("/api/v1/outbox/messages"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "message/rfc822")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[MAX_API_BODY_BYTES + 1])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertProblem(tooLarge, 413, "too-large");
        assertThat(OUTBOX.received).isEmpty();

        HttpResponse<String> atTheLimit = http.send(HttpRequest.newBuilder(url("/api/v1/outbox/messages"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "message/rfc822")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[MAX_API_BODY_BYTES])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(atTheLimit.statusCode()).isEqualTo(200);
        assertThat(only(OUTBOX).body()).hasSize(MAX_API_BODY_BYTES);

        // a PMP/1 notification takes at most 4 KiB, whatever the user API's limit
        HttpResponse<String> largeKnock = http.send(HttpRequest.newBuilder(url("/pmp/v1/notifications"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"x\":\"" + "x".repeat(4096) + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertProblem(largeKnock, 413, "too-large");
        assertThat(INBOX.received).isEmpty();
    }

    private static StandInService.Received only(StandInService service) {
        assertThat(service.received).as("requests that reached the " + service.name).hasSize(1);
        StandInService.Received received = service.received.get(0);
        service.received.clear();
        return received;
    }
}
