package org.pullmail.conformance;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;

import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.json.PmpJson;

/**
 * Pullmail's own user API (not PMP/1), which {@code --send-as} uses to make the deployment send the
 * probe messages: log in, send, recall.
 */
final class PullmailApi {

    /** The API refused or could not be reached. */
    static final class ApiException extends Exception {
        ApiException(String message) {
            super(message);
        }
    }

    private record TokenRequest(String address, String password) {
    }

    private record TokenAnswer(String accessToken) {
    }

    private record SendRequest(List<String> to, String subject, String text) {
    }

    private record SentMessage(String id) {
    }

    private final Wire wire;
    private final String accessToken;

    private PullmailApi(Wire wire, String accessToken) {
        this.wire = wire;
        this.accessToken = accessToken;
    }

    static PullmailApi login(Wire wire, Options.Account account) throws ApiException {
        Answer answer = wire.send(json(wire, "/api/v1/auth/token")
                .POST(HttpRequest.BodyPublishers.ofByteArray(
                        PmpJson.write(new TokenRequest(account.address(), account.password()))))
                .build());
        TokenAnswer token = read(answer, 200, TokenAnswer.class, "log in as " + account.address());
        if (token.accessToken() == null) {
            throw new ApiException("log in as " + account.address() + ": the answer has no access_token");
        }
        return new PullmailApi(wire, token.accessToken());
    }

    /** Sends a text message; returns its id. */
    String send(String to, String subject, String text) throws ApiException {
        Answer answer = wire.send(authorized("/api/v1/outbox/messages").header("Content-Type", Pmp.MEDIA_TYPE_JSON)
                .POST(HttpRequest.BodyPublishers.ofByteArray(PmpJson.write(new SendRequest(List.of(to), subject, text))))
                .build());
        SentMessage sent = read(answer, 201, SentMessage.class, "send a message to " + to);
        if (sent.id() == null) {
            throw new ApiException("send a message to " + to + ": the answer has no id");
        }
        return sent.id();
    }

    void recall(String id) throws ApiException {
        Answer answer = wire.send(authorized("/api/v1/outbox/messages/" + id).DELETE().build());
        if (answer.status() != 200) {
            throw new ApiException("recall message " + id + ": expected 200, got " + answer.describe());
        }
    }

    private HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(URI.create(wire.baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + accessToken);
    }

    private static HttpRequest.Builder json(Wire wire, String path) {
        return HttpRequest.newBuilder(URI.create(wire.baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", Pmp.MEDIA_TYPE_JSON);
    }

    private static <T> T read(Answer answer, int status, Class<T> type, String what) throws ApiException {
        if (answer.status() != status) {
            throw new ApiException(what + ": expected " + status + ", got " + answer.describe());
        }
        try {
            return PmpJson.read(answer.body(), type, ProblemType.MALFORMED_REQUEST);
        } catch (ProtocolException e) {
            throw new ApiException(what + ": " + e.detail());
        }
    }
}
