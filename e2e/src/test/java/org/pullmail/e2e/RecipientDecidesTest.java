package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/** The recipient's side through the gateways: push events, domain policy by admins, the strangers default. */
class RecipientDecidesTest {

    static TwoDomains domains;
    static Api alice;
    static ExecutorService readers = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() throws Exception {
        domains = TwoDomains.get();
        alice = Api.login(domains.alpha, "alice@alpha.test", TwoDomains.PASSWORD);
    }

    @AfterAll
    static void stop() {
        readers.shutdownNow();
    }

    record SseEvent(String id, String name, String data) {
    }

    /** Reads events from the stream until {@code wanted} names have arrived (bounded: 30 s). */
    static List<SseEvent> readEvents(Api user, String lastEventId, int wanted, Runnable afterConnect) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(user.base + "/api/v1/inbox/events"))
                .header("Authorization", "Bearer " + user.token())
                .header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response = Api.HTTP.send(request.build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        Future<List<SseEvent>> events = readers.submit(() -> {
            List<SseEvent> out = new ArrayList<>();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String id = null;
                String name = null;
                StringBuilder data = new StringBuilder();
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (name != null) {
                            out.add(new SseEvent(id, name, data.toString()));
                            if (out.size() == wanted) {
                                return out;
                            }
                        }
                        id = null;
                        name = null;
                        data.setLength(0);
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).trim();
                    } else if (line.startsWith("event:")) {
                        name = line.substring(6).trim();
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).trim());
                    }
                }
            }
            return out;
        });
        afterConnect.run();
        try {
            return events.get(30, TimeUnit.SECONDS);
        } finally {
            events.cancel(true);
            response.body().close();
        }
    }

    static void sendQuietly(String to, String subject) {
        try {
            PullDeliveryTest.send(alice, to, subject, "event test");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void newRequestsArePushedAndAStreamResumesAfterLastEventId() throws Exception {
        Api erin = Api.login(domains.beta, "erin@beta.test", TwoDomains.PASSWORD);
        String first = PullDeliveryTest.unique("Pushed");
        List<SseEvent> live = readEvents(erin, null, 1, () -> sendQuietly("erin@beta.test", first));
        assertThat(live).hasSize(1);
        assertThat(live.get(0).name()).isEqualTo("request");
        String requestId = Api.JSON.readTree(live.get(0).data()).get("id").asString();
        assertThat(erin.get("/api/v1/inbox/requests/" + requestId).json().get("subject").asString()).isEqualTo(first);

        // while erin is offline, a request arrives and she accepts an earlier one (a message follows)
        String missed = PullDeliveryTest.unique("Missed");
        PullDeliveryTest.send(alice, "erin@beta.test", missed, "while offline");
        erin.await("/api/v1/inbox/requests", l -> PullDeliveryTest.hasSubject(l, "requests", missed));
        assertThat(erin.post("/api/v1/inbox/requests/" + requestId + "/accept", null).status()).isEqualTo(202);
        erin.await("/api/v1/inbox/messages", l -> PullDeliveryTest.hasSubject(l, "messages", first));

        List<SseEvent> resumed = readEvents(erin, live.get(0).id(), 2, () -> { });
        assertThat(resumed).extracting(SseEvent::name).containsExactlyInAnyOrder("request", "message");
        assertThat(Long.parseLong(resumed.get(0).id())).isGreaterThan(Long.parseLong(live.get(0).id()));
    }

    @Test
    void manyOpenEventStreamsLeaveTheApiAnswering() throws Exception {
        Api carol = Api.login(domains.beta, "carol@beta.test", TwoDomains.PASSWORD);
        List<HttpResponse<InputStream>> streams = new ArrayList<>();
        try {
            // a dozen browser tabs, each opening the events stream through the gateway: an account holds five
            // (AvailabilityTest tries a hundred), the others are told to wait
            for (int i = 0; i < 12; i++) {
                HttpResponse<InputStream> stream = Api.HTTP.send(HttpRequest.newBuilder(
                                URI.create(carol.base + "/api/v1/inbox/events"))
                        .header("Authorization", "Bearer " + carol.token()).header("Accept", "text/event-stream")
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofInputStream());
                streams.add(stream);
                assertThat(stream.statusCode()).isEqualTo(i < 5 ? 200 : 429);
            }
            HttpResponse<String> requests = Api.HTTP.send(HttpRequest.newBuilder(
                            URI.create(carol.base + "/api/v1/inbox/requests"))
                    .header("Authorization", "Bearer " + carol.token())
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(requests.statusCode()).isEqualTo(200);
        } finally {
            for (HttpResponse<InputStream> stream : streams) {
                stream.body().close();
            }
        }
    }

    @Test
    void anAdminBlocksASenderDomainForEveryMailboxAndUsersCannot() throws Exception {
        Api admin = Api.login(domains.beta, "admin@beta.test", TwoDomains.PASSWORD);
        Api carol = Api.login(domains.beta, "carol@beta.test", TwoDomains.PASSWORD);
        assertThat(carol.put("/api/v1/admin/inbound/blocklist/alpha.test").status()).isEqualTo(403);
        assertThat(admin.put("/api/v1/admin/inbound/blocklist/alpha.test").status()).isEqualTo(204);
        try {
            String id = PullDeliveryTest.send(alice, "carol@beta.test", PullDeliveryTest.unique("Domain-blocked"), "no");
            JsonNode delivery = PullDeliveryTest.awaitStatus(alice, id, "declined");
            assertThat(delivery.get("detail").asString()).contains("blocked");
            JsonNode rules = admin.get("/api/v1/admin/inbound/rules").json().get("rules");
            assertThat(rules.toString()).contains("alpha.test").contains("admin@beta.test");
            JsonNode senders = admin.get("/api/v1/admin/inbound/senders").json().get("senders");
            assertThat(senders.toString()).contains("alpha.test");
        } finally {
            assertThat(admin.delete("/api/v1/admin/inbound/blocklist/alpha.test").status()).isEqualTo(204);
        }
    }

    @Test
    void aUserWhoRefusesStrangersGetsNoRequests() throws Exception {
        Api dave = Api.login(domains.beta, "dave@beta.test", TwoDomains.PASSWORD);
        Api.Response set = dave.putJson("/api/v1/inbox/policy", Map.of("stranger_policy", "refuse"));
        assertThat(set.status()).isEqualTo(200);
        assertThat(set.json().get("effective").asString()).isEqualTo("refuse");
        try {
            String id = PullDeliveryTest.send(alice, "dave@beta.test", PullDeliveryTest.unique("Refused"), "no");
            PullDeliveryTest.awaitStatus(alice, id, "declined");
            assertThat(dave.putJson("/api/v1/inbox/policy", Map.of("stranger_policy", "sometimes")).status())
                    .isEqualTo(400);
        } finally {
            dave.putJson("/api/v1/inbox/policy", Collections.singletonMap("stranger_policy", null));
        }
        assertThat(dave.get("/api/v1/inbox/policy").json().get("effective").asString()).isEqualTo("hold");
    }
}
