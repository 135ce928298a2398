package org.pullmail.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The simulation's HTTP client of the real domains' public API (through each gateway), and the record of
 * which of the endpoints it relies on answered: features that other work lands meanwhile may be missing, and
 * the simulation then measures what exists instead of stopping.
 */
final class SimulationApi {

    static final JsonMapper JSON = JsonMapper.builder().build();
    /** HTTP/1.1 with keep-alive, as a mail client would use the API. */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** An answer: its status and body. */
    record Answer(int status, String body) {

        boolean ok() {
            return status >= 200 && status < 300;
        }

        JsonNode json() {
            return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        }
    }

    /** Features found missing (an endpoint that answered 404 or a contract member that was ignored), each logged once. */
    private static final Set<String> MISSING = ConcurrentHashMap.newKeySet();
    /** Features seen answering. */
    private static final Set<String> PRESENT = ConcurrentHashMap.newKeySet();

    private SimulationApi() {
    }

    static Answer call(int port, String method, String path, String token, String contentType, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return send(request.build());
    }

    /** Sends a request built elsewhere (a fake sender domain's signed notification). */
    static Answer send(HttpRequest request) {
        try {
            HttpResponse<String> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(answer.statusCode(), answer.body());
        } catch (IOException e) {
            return new Answer(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, "interrupted");
        }
    }

    static String json(Object body) {
        return JSON.writeValueAsString(body);
    }

    /** An access token for an account of the domain whose gateway listens on {@code port}. */
    static String token(int port, String address, String password) {
        Answer answer = call(port, "POST", "/api/v1/auth/token", null, "application/json",
                json(Map.of("address", address, "password", password)));
        if (!answer.ok()) {
            throw new IllegalStateException("no token for " + address + ": " + answer.status() + " " + answer.body());
        }
        return answer.json().get("access_token").asString();
    }

    /**
     * Notes whether {@code feature} answered: a 404 of an endpoint that is not there yet is logged once, and the
     * caller goes on without it. True when the feature answered.
     */
    static boolean feature(String feature, Answer answer) {
        if (answer.status() == 404 || answer.status() == 405) {
            missing(feature, "answers " + answer.status());
            return false;
        }
        if (answer.ok()) {
            PRESENT.add(feature);
        }
        return answer.ok();
    }

    static void missing(String feature, String how) {
        if (MISSING.add(feature)) {
            MailMonth.log("not there yet: " + feature + " (" + how + "); the simulation goes on without it");
        }
    }

    static void present(String feature) {
        PRESENT.add(feature);
    }

    static boolean isMissing(String feature) {
        return MISSING.contains(feature);
    }

    static Set<String> missing() {
        return Set.copyOf(MISSING);
    }

    static Set<String> present() {
        return Set.copyOf(PRESENT);
    }
}
