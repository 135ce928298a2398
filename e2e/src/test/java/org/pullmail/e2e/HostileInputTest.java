package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.testing.PeerDomains;

import tools.jackson.databind.node.ObjectNode;

/**
 * Generated hostile input (issue 13): ten thousand notifications, fetches and status reports, each broken
 * on purpose in one of many ways — wrong types, limits, control characters, impossible dates, foreign or
 * duplicate recipients, bad tokens, tampered bodies, garbage signatures — most of them properly signed
 * by a peer domain, so that they reach the checks behind the signature. None may be accepted and none
 * may make the server fail (no 5xx). Seeded, so a failure can be replayed; each request carries a
 * client address of its own, so the per-address limits do not hide the checks behind them.
 */
class HostileInputTest {

    static final long SEED = Long.getLong("pullmail.hostile.seed", 20261130L);
    static final int NOTIFICATIONS = 5000;
    static final int FETCHES = 2500;
    static final int STATUS_REPORTS = 2500;

    static TwoDomains domains;
    static PeerDomains.Peer gamma;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        domains = TwoDomains.get();
        gamma = domains.peers.peer("gamma.test");
    }

    /** One generated case: what it breaks, and the request. */
    record Case(String breaks, HttpRequest request) {
    }

    @Test
    void tenThousandHostileRequestsAreAllRefusedAndNoneFailsTheServer() throws Exception {
        Random random = new Random(SEED);
        String marker = "hostile-" + UUID.randomUUID().toString().substring(0, 8);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < NOTIFICATIONS; i++) {
            cases.add(notification(random, marker, i));
        }
        // fetches and status reports go to alpha.test's outbox, about a real message
        Api alice = Api.login(domains.alpha, "alice@alpha.test", TwoDomains.PASSWORD);
        Api.Response sent = alice.post("/api/v1/outbox/messages",
                Map.of("to", List.of("hostile-target@gamma.test"), "subject", marker, "text", "a target"));
        assertThat(sent.status()).isEqualTo(201);
        String messageId = sent.json().get("id").asString();
        for (int i = 0; i < FETCHES; i++) {
            cases.add(fetch(random, messageId, i));
        }
        for (int i = 0; i < STATUS_REPORTS; i++) {
            cases.add(statusReport(random, messageId, i));
        }

        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        Map<String, String> failures = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Case c : cases) {
                done.add(pool.submit(() -> {
                    try {
                        HttpResponse<String> r = HTTP.send(c.request(), HttpResponse.BodyHandlers.ofString());
                        statuses.computeIfAbsent(r.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                        if (r.statusCode() < 400 || r.statusCode() >= 500) {
                            failures.putIfAbsent(c.breaks() + " → " + r.statusCode(), abbreviate(r.body()));
                        }
                    } catch (IOException e) {
                        failures.putIfAbsent(c.breaks() + " → " + e, "");
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(statuses.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(cases.size());
        assertThat(failures).as("accepted or failed the server (seed " + SEED + "); answers: " + statuses).isEmpty();
        // and the checks behind the limits were reached: rate limits answered only a few of them
        int limited = statuses.getOrDefault(429, new AtomicInteger()).get();
        assertThat(limited).as("answered 429: " + statuses).isLessThan(cases.size() / 10);
        // nothing of it reached anyone's mailbox
        Api erin = Api.login(domains.beta, "erin@beta.test", TwoDomains.PASSWORD);
        assertThat(erin.get("/api/v1/inbox/requests").text()).doesNotContain(marker);
        assertThat(alice.get("/api/v1/outbox/messages/" + messageId).json().get("recipients").get(0)
                .get("status").asString()).isIn("queued", "notified");
    }

    // ---- notifications: a valid one from gamma.test to erin@beta.test, then broken in one way ----

    Case notification(Random random, String marker, int i) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String id = marker + "-" + i;
        ObjectNode n = Api.JSON.createObjectNode();
        n.put("id", id);
        n.put("from", "news@gamma.test");
        n.putArray("recipients").addObject().put("address", "erin@beta.test").put("token", token(random));
        n.put("subject", marker);
        n.put("size", 120);
        n.put("digest", ContentDigest.sha256(marker.getBytes(StandardCharsets.UTF_8)));
        n.put("fetch_url", gamma.base() + Pmp.FETCH_PATH + "/" + id);
        n.put("sent_at", now.toString());
        n.put("expires_at", now.plus(Duration.ofDays(1)).toString());
        var mutation = NOTIFICATION_MUTATIONS.get(random.nextInt(NOTIFICATION_MUTATIONS.size()));
        byte[] body = mutation.apply(new Mutable(n, random));
        URI published = URI.create(domains.beta.url() + Pmp.NOTIFY_PATH);
        URI direct = URI.create(domains.beta.serviceUrl("inbox-service") + Pmp.NOTIFY_PATH);
        Map<String, String> headers = new LinkedHashMap<>(Map.of("Content-Type", "application/json",
                "X-Pullmail-Client", client(random)));
        int signing = random.nextInt(10);
        HttpRequest.Builder request;
        if (signing == 0) {
            request = unsigned(direct, body, headers).header(randomHeader(random), garbage(random, 200));
        } else if (signing == 1) {
            request = unsigned(direct, body, headers)
                    .header("Signature-Input", "pmp=" + garbage(random, 120))
                    .header("Signature", "pmp=:" + garbage(random, 80) + ":")
                    .header("Content-Digest", ContentDigest.sha256(body));
        } else {
            request = gamma.signed("POST", published, direct, body, SignatureProfile.NOTIFICATION, headers, gamma.signer());
        }
        return new Case("notification " + mutation.name() + " signing " + signing,
                request.timeout(Duration.ofSeconds(30)).build());
    }

    /** A notification as JSON and a random source; a mutation returns the bytes to send. */
    record Mutable(ObjectNode json, Random random) {
        byte[] bytes() {
            return Api.JSON.writeValueAsBytes(json);
        }

        ObjectNode recipient() {
            return (ObjectNode) json.get("recipients").get(0);
        }
    }

    record Mutation(String name, Function<Mutable, byte[]> apply) {
        byte[] apply(Mutable m) {
            return apply.apply(m);
        }
    }

    static Mutation m(String name, Consumer<Mutable> change) {
        return new Mutation(name, mm -> {
            change.accept(mm);
            return mm.bytes();
        });
    }

    static final List<String> BAD_STRINGS = List.of("", " ", "\u0000", "a\u0000b", "\u0007", "\r\n", "\uFFFF", "\uD800",
            "../../etc/passwd", "%00", "%2e%2e", "${jndi:ldap://127.0.0.1/x}", "<script>", "'; DROP TABLE notice; --",
            "x".repeat(300), "é".repeat(129), "0177.0.0.1", "[::1]");
    static final List<String> BAD_TIMES = List.of("", "now", "0", "300000-01-01T00:00:00Z", "2026-11-26T24:00:00Z",
            "2026-02-30T12:00:00Z", "2026-11-26 12:00:00Z", "2026-11-26T12:00:00", "+292278994-08-17T07:12:55Z",
            "-0001-01-01T00:00:00Z", "2026-11-26T12:00:00+25:00");

    static final List<Mutation> NOTIFICATION_MUTATIONS = List.of(
            m("id missing", x -> x.json().remove("id")),
            // every one of these breaks the id's alphabet or length (PROTOCOL.md 3.1)
            m("id bad", x -> x.json().put("id", pick(x, BAD_STRINGS.stream()
                    .filter(b -> !b.matches("[A-Za-z0-9._~-]{1,128}")).toList()))),
            m("id a number", x -> x.json().put("id", x.random().nextLong())),
            m("id an object", x -> x.json().putObject("id").put("a", 1)),
            m("from bad", x -> x.json().put("from", pick(x, BAD_STRINGS))),
            m("from another domain", x -> x.json().put("from", "alice@alpha.test")),
            m("from an IP literal", x -> x.json().put("from", "news@127.0.0.1")),
            m("recipients empty", x -> x.json().putArray("recipients")),
            m("recipients not an array", x -> x.json().put("recipients", "erin@beta.test")),
            m("recipients of nulls", x -> x.json().putArray("recipients").addNull()),
            m("recipient twice", x -> x.json().withArray("recipients").add(x.recipient().deepCopy())),
            m("recipient foreign", x -> x.recipient().put("address", "erin@gamma.test")),
            m("recipients mixed", x -> x.json().withArray("recipients").addObject().put("address", "bob@alpha.test")
                    .put("token", token(x.random()))),
            m("recipient bad address", x -> x.recipient().put("address", pick(x, BAD_STRINGS))),
            m("recipient without token", x -> x.recipient().remove("token")),
            m("token short", x -> x.recipient().put("token", token(x.random()).substring(1))),
            m("token not base64url", x -> x.recipient().put("token", "+/" + token(x.random()).substring(2))),
            m("token a number", x -> x.recipient().put("token", 42)),
            m("101 recipients", x -> {
                var array = x.json().putArray("recipients");
                for (int i = 0; i < 101; i++) {
                    array.addObject().put("address", "u" + i + "@beta.test").put("token", token(x.random()));
                }
            }),
            m("subject with control characters", x -> x.json().put("subject", "hi" + pick(x, List.of("\u0000", "\u0001",
                    "\n", "\u001b[31m", "\u007f")))),
            m("subject too long", x -> x.json().put("subject", "s".repeat(201))),
            m("subject an array", x -> x.json().putArray("subject").add("x")),
            m("size negative", x -> x.json().put("size", -1 - x.random().nextInt(1000))),
            m("size huge", x -> x.json().put("size", new BigInteger("123456789012345678901234567890"))),
            m("size a string", x -> x.json().put("size", "120")),
            m("size fractional", x -> x.json().put("size", 1.5)),
            m("digest bad", x -> x.json().put("digest", pick(x, List.of("", "sha-256=:x:", "md5=:AAAA:", "sha-256=:"
                    + "A".repeat(44) + ":", "sha-512=:AAAA:")))),
            m("digest missing", x -> x.json().remove("digest")),
            m("fetch_url outside the base", x -> x.json().put("fetch_url", pick(x, List.of("http://127.0.0.1:1/x",
                    "https://gamma.test/x", gamma.base() + "/../x", gamma.base() + Pmp.FETCH_PATH + "/../../x",
                    gamma.base() + Pmp.FETCH_PATH + "/", "ftp://gamma.test/x", "not a url",
                    "http://user@127.0.0.1/x", gamma.base() + Pmp.FETCH_PATH + "/x#frag")))),
            m("fetch_url missing", x -> x.json().remove("fetch_url")),
            m("sent_at bad", x -> x.json().put("sent_at", pick(x, BAD_TIMES))),
            m("expires_at bad", x -> x.json().put("expires_at", pick(x, BAD_TIMES))),
            m("expires before sent", x -> x.json().put("expires_at", x.json().get("sent_at").asString()
                    .replace("T", "T").substring(0, 11) + "00:00:00Z")),
            m("timestamps numbers", x -> x.json().put("sent_at", 1795694400)),
            new Mutation("not JSON", x -> garbage(x.random(), 1 + x.random().nextInt(2000)).getBytes(StandardCharsets.UTF_8)),
            new Mutation("truncated JSON", x -> {
                byte[] b = x.bytes();
                return Arrays.copyOf(b, 1 + x.random().nextInt(b.length - 1));
            }),
            new Mutation("JSON null", x -> "null".getBytes(StandardCharsets.UTF_8)),
            new Mutation("JSON array", x -> "[1,2,3]".getBytes(StandardCharsets.UTF_8)),
            new Mutation("deeply nested", x -> ("{\"id\":" + "[".repeat(5000) + "]".repeat(5000) + "}")
                    .getBytes(StandardCharsets.UTF_8)),
            new Mutation("over 4096 bytes", x -> {
                x.json().put("padding", "p".repeat(4100));
                return x.bytes();
            }),
            new Mutation("invalid UTF-8", x -> {
                byte[] b = x.bytes();
                int at = b.length / 2;
                b[at] = (byte) 0xC3;
                b[at + 1] = (byte) 0x28;
                return b;
            }));

    // ---- fetches and status reports to alpha.test's outbox ----

    Case fetch(Random random, String messageId, int i) {
        String path = pick(random, List.of(messageId, UUID.randomUUID().toString(), "not-a-uuid", "%2e%2e",
                "x".repeat(1 + random.nextInt(2000)), messageId + "%00", messageId + "/..", ""));
        URI published = URI.create(domains.alpha.url() + Pmp.FETCH_PATH + "/" + path);
        URI direct = URI.create(domains.alpha.serviceUrl("outbox-service") + Pmp.FETCH_PATH + "/" + path);
        Map<String, String> headers = new LinkedHashMap<>(Map.of("X-Pullmail-Client", client(random)));
        String authorization = pick(random, List.of("PMP-Capability " + token(random), "PMP-Capability " + garbage(random, 43),
                "Bearer " + token(random), "PMP-Capability", "pmp-capability " + token(random) + " extra"));
        headers.put("Authorization", authorization);
        int signing = random.nextInt(4);
        HttpRequest.Builder request = signing == 0
                ? HttpRequest.newBuilder(direct).header("Authorization", authorization)
                        .header("X-Pullmail-Client", headers.get("X-Pullmail-Client")).GET()
                : gamma.signed("GET", published, direct, null, SignatureProfile.FETCH, headers, gamma.signer());
        return new Case("fetch of " + abbreviate(path) + " with " + abbreviate(authorization) + " signing " + signing,
                request.timeout(Duration.ofSeconds(30)).build());
    }

    Case statusReport(Random random, String messageId, int i) {
        String status = pick(random, List.of("stored", "declined", "spam", "read", "", "STORED"));
        String address = pick(random, List.of("hostile-target@gamma.test", "bob@beta.test", "", "a\u0000@gamma.test"));
        String json = pick(random, List.of(
                "{\"recipients\":[{\"address\":\"" + address + "\",\"status\":\"" + status + "\"}]}",
                "{\"recipients\":[]}", "{}", "[]", "null", garbage(random, 300),
                "{\"recipients\":[{\"address\":\"hostile-target@gamma.test\",\"status\":\"stored\"},"
                        + "{\"address\":\"hostile-target@gamma.test\",\"status\":\"spam\"}]}",
                "{\"recipients\":" + "[".repeat(3000) + "]".repeat(3000) + "}"));
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String path = pick(random, List.of(messageId, UUID.randomUUID().toString(), "nope"));
        URI published = URI.create(Pmp.statusUrl(domains.alpha.url() + Pmp.FETCH_PATH + "/" + path));
        URI direct = URI.create(Pmp.statusUrl(domains.alpha.serviceUrl("outbox-service") + Pmp.FETCH_PATH + "/" + path));
        Map<String, String> headers = new LinkedHashMap<>(Map.of("Content-Type",
                pick(random, List.of("application/json", "text/plain", "application/jsonx")),
                "Authorization", "PMP-Capability " + token(random), "X-Pullmail-Client", client(random)));
        return new Case("status report " + abbreviate(json) + " to " + path,
                gamma.signed("POST", published, direct, body, SignatureProfile.STATUS, headers, gamma.signer())
                        .timeout(Duration.ofSeconds(30)).build());
    }

    // ---- helpers ----

    static HttpRequest.Builder unsigned(URI to, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(to).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return request;
    }

    static String token(Random random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Printable garbage: HTTP header values cannot carry control characters. */
    static String garbage(Random random, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append((char) (0x21 + random.nextInt(0x5e)));
        }
        return s.toString();
    }

    static String randomHeader(Random random) {
        return "X-Hostile-" + random.nextInt(1000);
    }

    static String client(Random random) {
        return "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
    }

    static <T> T pick(Random random, List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    static <T> T pick(Mutable m, List<T> list) {
        return pick(m.random(), list);
    }

    static String abbreviate(String s) {
        return s == null ? "" : s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }
}
