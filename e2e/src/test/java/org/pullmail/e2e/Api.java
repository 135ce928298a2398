package org.pullmail.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;

import org.awaitility.Awaitility;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A user of one domain's public API, through its gateway. */
final class Api {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Response(int status, String contentType, byte[] body) {
        JsonNode json() {
            return JSON.readTree(body);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    final String base;
    final String address;
    private final String token;

    private Api(String base, String address, String token) {
        this.base = base;
        this.address = address;
        this.token = token;
    }

    static Api login(Domain domain, String address, String password) throws IOException, InterruptedException {
        Response r = send(HttpRequest.newBuilder(URI.create(domain.url() + "/api/v1/auth/token"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        JSON.writeValueAsString(Map.of("address", address, "password", password)))));
        if (r.status() != 200) {
            throw new IllegalStateException("login of " + address + " failed: " + r.status() + " " + r.text());
        }
        return new Api(domain.url(), address, r.json().get("access_token").asString());
    }

    /** The same user's token, aimed at another domain's gateway (which must refuse it). */
    static Api tokenAt(Domain other, Api user) {
        return new Api(other.url(), user.address, user.token);
    }

    Response get(String path) throws IOException, InterruptedException {
        return send(auth(path).GET());
    }

    Response delete(String path) throws IOException, InterruptedException {
        return send(auth(path).DELETE());
    }

    Response put(String path) throws IOException, InterruptedException {
        return send(auth(path).PUT(HttpRequest.BodyPublishers.noBody()));
    }

    String token() {
        return token;
    }

    Response putJson(String path, Object body) throws IOException, InterruptedException {
        return send(auth(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    Response post(String path, Object body) throws IOException, InterruptedException {
        return send(auth(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : JSON.writeValueAsString(body))));
    }

    /** Polls GET path until the JSON answer satisfies the condition (bounded: 30 s). */
    JsonNode await(String path, Predicate<JsonNode> condition) {
        return Awaitility.await("GET " + path + " as " + address).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(150))
                .until(() -> {
                    Response r = get(path);
                    return r.status() == 200 ? r.json() : null;
                }, answer -> answer != null && condition.test(answer));
    }

    private HttpRequest.Builder auth(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token);
    }

    static Response send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }
}
