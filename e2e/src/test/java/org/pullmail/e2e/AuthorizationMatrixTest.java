package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import tools.jackson.databind.JsonNode;

/**
 * The authorization matrix (issue 13): every operation of the user and admin APIs, read from the OpenAPI
 * documents the domain publishes, called through alpha.test's gateway as nobody, as another user, as an
 * admin and as the owner of what the path names. Path ids are real where whose they are matters (the
 * owner's sent message, received message and waiting request), made up elsewhere; bodies are {@code {}},
 * so many answers are a 4xx, which is fine. Expected, for every call: no 5xx; nobody gets 401 (except from the token endpoints,
 * which are public); a user on {@code /api/v1/admin/**} gets 403; anyone but the owner gets 404 for the
 * owner's message or request, and never a word of its content; the owner and an admin are let through
 * where they belong.
 *
 * <p>The users are accounts this test creates, so nothing it calls changes the shared accounts; on the
 * domain as a whole an admin's calls act on ids that do not exist, add and remove the same random rule,
 * and rotate alpha.test's keys (the rotation waits 10 minutes before the new key signs, and verifiers
 * refetch a document whose key id they do not know).
 */
class AuthorizationMatrixTest {

    /** Who calls; in this order, so that the owner's deleting and deciding come after everyone else. */
    enum Role { NOBODY, OTHER_USER, ADMIN, OWNER }

    /** An operation of an OpenAPI document; {@code bodyType} is null for an operation without a body. */
    record Operation(String method, String path, JsonNode parameters, String bodyType) {

        boolean admin() {
            return path.startsWith("/api/v1/admin/");
        }

        boolean isPublic() {
            return path.startsWith("/api/v1/auth/");
        }

        @Override
        public String toString() {
            return method + " " + path + (bodyType == null ? "" : " (" + bodyType + ")");
        }
    }

    /** The owner's resources, by the path before their id. */
    private static final Map<String, String> OWNED = new LinkedHashMap<>();

    /** Names this run's accounts and made-up values: an admin's PUT and DELETE of a rule name the same one. */
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    static TwoDomains domains;
    static Map<Role, Api> callers = new LinkedHashMap<>();
    static String secret;
    static List<Operation> operations;
    /** Each operation's answers, by caller, printed at the end: the matrix as it is. */
    static final Map<String, Map<Role, Integer>> ANSWERS = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        domains = TwoDomains.get();
        operations = operations();
        Api root = Api.login(domains.alpha, "admin@alpha.test", TwoDomains.PASSWORD);
        Api owner = account(root, domains.alpha, "matrix-owner-" + RUN, false);
        Api sender = account(root, domains.alpha, "matrix-sender-" + RUN, false);
        // the owner's request comes from a stranger: a colleague's mail, like the sender's, is fetched at once
        Api stranger = account(Api.login(domains.beta, "admin@beta.test", TwoDomains.PASSWORD), domains.beta,
                "matrix-stranger-" + RUN, false);
        callers.put(Role.OTHER_USER, account(root, domains.alpha, "matrix-other-" + RUN, false));
        callers.put(Role.ADMIN, account(root, domains.alpha, "matrix-admin-" + RUN, true));
        callers.put(Role.OWNER, owner);

        // what only the owner (and the sender of its mail, who calls nothing here) may see
        secret = "matrix-secret-" + RUN;
        Api.Response sent = owner.post("/api/v1/outbox/messages",
                Map.of("to", List.of(sender.address), "subject", secret + " sent", "text", secret));
        assertThat(sent.status()).as(sent.text()).isEqualTo(201);
        OWNED.put("/api/v1/outbox/messages/", sent.json().get("id").asString());
        for (String subject : List.of(secret + " kept", secret + " waiting")) {
            Api.Response r = stranger.post("/api/v1/outbox/messages",
                    Map.of("to", List.of(owner.address), "subject", subject, "text", secret));
            assertThat(r.status()).as(r.text()).isEqualTo(201);
        }
        JsonNode requests = owner.await("/api/v1/inbox/requests", l -> l.get("requests").size() == 2);
        for (JsonNode request : requests.get("requests")) {
            if (request.get("subject").asString().endsWith("kept")) {
                assertThat(owner.post("/api/v1/inbox/requests/" + request.get("id").asString() + "/accept", null)
                        .status()).isEqualTo(202);
            } else {
                OWNED.put("/api/v1/inbox/requests/", request.get("id").asString());
            }
        }
        JsonNode messages = owner.await("/api/v1/inbox/messages", l -> l.get("messages").size() == 1);
        OWNED.put("/api/v1/inbox/messages/", messages.get("messages").get(0).get("id").asString());
    }

    /** A new account, made by an admin: the matrix changes nobody else's mailbox or settings. */
    private static Api account(Api admin, Domain domain, String name, boolean isAdmin) throws Exception {
        String address = name + "@" + domain.name;
        String password = "pw-" + UUID.randomUUID();
        Api.Response created = admin.post("/api/v1/admin/accounts",
                Map.of("address", address, "password", password, "admin", isAdmin));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        return Api.login(domain, address, password);
    }

    /**
     * The user and admin operations of every document: the gateway's own (accounts, tokens, overview),
     * and each service's.
     */
    static List<Operation> operations() throws Exception {
        List<URI> documents = List.of(URI.create(domains.alpha.url() + "/v3/api-docs/gateway"),
                URI.create(domains.alpha.url() + "/v3/api-docs/outbox"),
                URI.create(domains.alpha.serviceUrl("outbox-service") + "/v3/api-docs"),
                URI.create(domains.alpha.serviceUrl("notifier-service") + "/v3/api-docs"),
                URI.create(domains.alpha.serviceUrl("inbox-service") + "/v3/api-docs"));
        Map<String, Operation> found = new LinkedHashMap<>();
        for (URI document : documents) {
            Api.Response r = Api.send(HttpRequest.newBuilder(document).GET());
            assertThat(r.status()).as("the OpenAPI document " + document).isEqualTo(200);
            for (var path : r.json().get("paths").properties()) {
                if (!path.getKey().startsWith("/api/v1/")) {
                    continue;
                }
                for (var op : path.getValue().properties()) {
                    String method = op.getKey().toUpperCase(Locale.ROOT);
                    JsonNode content = op.getValue().path("requestBody").path("content");
                    List<String> bodyTypes = new ArrayList<>();
                    content.propertyNames().forEach(bodyTypes::add);
                    if (bodyTypes.isEmpty()) {
                        bodyTypes.add(null);
                    }
                    for (String bodyType : bodyTypes) {
                        Operation operation = new Operation(method, path.getKey(), op.getValue().path("parameters"),
                                bodyType);
                        found.putIfAbsent(operation.toString(), operation);
                    }
                }
            }
        }
        // reads first, then changes, deletions last: an owner's DELETE must not hide the resource from its GET
        List<String> order = List.of("GET", "PUT", "POST", "PATCH", "DELETE");
        return found.values().stream()
                .sorted(Comparator.comparing((Operation o) -> order.indexOf(o.method())).thenComparing(o -> o.path()))
                .toList();
    }

    @TestFactory
    Stream<DynamicTest> everyOperationAnswersEachCallerAsItMay() {
        assertThat(operations).as("operations documented (a matrix of nothing proves nothing)").hasSizeGreaterThan(40);
        assertThat(operations.stream().map(Operation::toString)).contains("GET /api/v1/inbox/messages/{id}",
                "GET /api/v1/outbox/messages/{id}/raw", "POST /api/v1/inbox/requests/{id}/accept",
                "PUT /api/v1/admin/accounts/{address}/disabled (application/json)", "POST /api/v1/admin/keys/rotate",
                "PUT /api/v1/admin/outbox/accounts/{address}/limits (application/json)");
        List<DynamicTest> tests = new ArrayList<>();
        for (Role role : Role.values()) {
            for (Operation operation : operations) {
                tests.add(DynamicTest.dynamicTest(role + " " + operation, () -> check(role, operation)));
            }
        }
        System.out.printf("authorization matrix: %d operations x %d callers = %d calls%n", operations.size(),
                Role.values().length, tests.size());
        return tests.stream();
    }

    @AfterAll
    static void printMatrix() {
        StringBuilder table = new StringBuilder(String.format("%-72s %s%n", "operation", List.of(Role.values())));
        ANSWERS.forEach((operation, answers) -> table.append(String.format("%-72s %s%n", operation, answers.values())));
        System.out.print(table);
    }

    private static void check(Role role, Operation operation) throws Exception {
        boolean ownersResource = OWNED.keySet().stream().anyMatch(prefix -> operation.path().startsWith(prefix)
                && operation.path().indexOf('{') == prefix.length());
        Answer answer = call(role, operation);
        ANSWERS.computeIfAbsent(operation.toString(), o -> new EnumMap<>(Role.class)).put(role, answer.status());
        String what = role + " " + operation + " -> " + answer.status() + " " + answer.body();
        assertThat(answer.status()).as("no 5xx: " + what).isLessThan(500);
        if (role != Role.OWNER) {
            assertThat(answer.body()).as("someone else's data: " + what).doesNotContain(secret);
        }
        if (operation.isPublic()) {
            return;
        }
        switch (role) {
            case NOBODY -> assertThat(answer.status()).as(what).isEqualTo(401);
            case OTHER_USER, OWNER -> {
                if (operation.admin()) {
                    assertThat(answer.status()).as(what).isEqualTo(403);
                } else if (ownersResource && role == Role.OTHER_USER) {
                    assertThat(answer.status()).as(what).isEqualTo(404);
                } else {
                    assertThat(answer.status()).as(what).isNotIn(401, 403);
                }
                if (role == Role.OWNER && ownersResource && operation.method().equals("GET")
                        && !operation.path().contains("/attachments/")) {
                    assertThat(answer.status()).as("the owner reads its own: " + what).isBetween(200, 299);
                }
            }
            case ADMIN -> {
                if (ownersResource) {
                    // an admin is another user to a user's mail
                    assertThat(answer.status()).as(what).isEqualTo(404);
                } else {
                    assertThat(answer.status()).as(what).isNotIn(401, 403);
                }
            }
        }
    }

    record Answer(int status, String body) {
    }

    private static Answer call(Role role, Operation operation) throws IOException, InterruptedException {
        String path = operation.path();
        StringBuilder query = new StringBuilder();
        for (JsonNode parameter : operation.parameters()) {
            String name = parameter.get("name").asString();
            String in = parameter.get("in").asString();
            if (in.equals("path")) {
                path = path.replace("{" + name + "}", encode(pathValue(operation.path(), name, parameter)));
            } else if (in.equals("query") && parameter.path("required").asBoolean(false)) {
                query.append(query.isEmpty() ? "?" : "&").append(name).append('=')
                        .append(encode(anyValue(parameter)));
            }
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(domains.alpha.url() + path + query))
                .timeout(Duration.ofSeconds(15));
        if (role != Role.NOBODY) {
            request.header("Authorization", "Bearer " + callers.get(role).token());
        }
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();
        if (operation.bodyType() != null) {
            String type = operation.bodyType();
            String content = "{}";
            if (type.startsWith("multipart/")) {
                type = "multipart/form-data; boundary=matrix";
                content = "--matrix--\r\n";
            } else if (!type.contains("json")) {
                content = "";
            }
            request.header("Content-Type", type);
            body = HttpRequest.BodyPublishers.ofString(content);
        }
        request.method(operation.method(), body);
        HttpResponse<InputStream> response = Api.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            // an event stream does not end: its head is the answer
            boolean stream = response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream");
            return new Answer(response.statusCode(),
                    stream ? "" : new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8));
        }
    }

    /** The owner's id where the path names one of its resources; else a value that names nothing. */
    private static String pathValue(String template, String name, JsonNode parameter) {
        for (var owned : OWNED.entrySet()) {
            if (template.startsWith(owned.getKey() + "{" + name + "}")) {
                return owned.getValue();
            }
        }
        return switch (name) {
            case "list" -> "blocklist";
            case "address" -> "matrix-nobody-" + RUN + "@alpha.test";
            default -> anyValue(parameter);
        };
    }

    private static String anyValue(JsonNode parameter) {
        JsonNode schema = parameter.path("schema");
        if (schema.path("format").asString("").equals("uuid")) {
            return UUID.randomUUID().toString();
        }
        if (schema.path("type").asString("").equals("integer")) {
            return "0";
        }
        return "matrix-" + RUN + ".invalid";
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
