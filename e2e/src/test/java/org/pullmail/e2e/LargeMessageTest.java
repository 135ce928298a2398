package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * Four messages of about 25 MB sent at once, from alpha.test to a contact at beta.test, through services
 * whose heaps are 192 MB each and which exit when a heap runs out: the bytes stream between HTTP and
 * PostgreSQL at every step (the sender's upload, the outbox's storage, the fetch, the inbox's storage, the
 * reader's download and attachment), so every message arrives byte for byte and no service falls over.
 * Two are submitted raw (message/rfc822), two as a form with an 18 MB file.
 */
class LargeMessageTest {

    /** A raw message's size: 25 MB. */
    static final int RAW_BYTES = 25_000_000;
    /** A form's file: 18 MB, about 24.6 MB once base64-encoded in the message. */
    static final int FILE_BYTES = 18_000_000;
    static final List<String> SERVICES = List.of("gateway", "outbox-service", "notifier-service", "inbox-service");

    static TwoDomains domains;
    static Api alice;
    static Api bob;

    @BeforeAll
    static void start() throws Exception {
        domains = TwoDomains.get();
        alice = Api.login(domains.alpha, "alice@alpha.test", TwoDomains.PASSWORD);
        bob = Api.login(domains.beta, "bob@beta.test", TwoDomains.PASSWORD);
        assertThat(bob.put("/api/v1/inbox/contacts/alice@alpha.test").status()).isEqualTo(204);
    }

    /** The domains are shared with the other tests, which expect alice to be a stranger to bob. */
    @AfterAll
    static void forget() throws Exception {
        assertThat(bob.delete("/api/v1/inbox/contacts/alice@alpha.test").status()).isEqualTo(204);
        for (JsonNode m : bob.get("/api/v1/inbox/messages?limit=500").json().get("messages")) {
            if (m.path("subject").asString("").startsWith("large ")) {
                bob.delete("/api/v1/inbox/messages/" + m.get("id").asString());
            }
        }
    }

    @Test
    void fourMessagesOf25MbAtOnceArriveWholeWithinTheHeaps() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<Sent> sent = new ArrayList<>();
        ExecutorService senders = Executors.newFixedThreadPool(4);
        try {
            List<Future<Sent>> sending = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String subject = "large " + run + " " + i;
                long seed = 42L * (i + 1);
                boolean raw = i % 2 == 0;
                sending.add(senders.submit(() -> raw ? sendRaw(subject, seed) : sendForm(subject, seed)));
            }
            for (Future<Sent> f : sending) {
                sent.add(f.get());
            }
        } finally {
            senders.shutdownNow();
        }

        // bob has alice as a contact: each is fetched without anyone deciding
        Map<String, JsonNode> arrived = new HashMap<>();
        Awaitility.await("four large messages in bob's mailbox").atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofSeconds(1)).until(() -> {
                    for (JsonNode m : bob.get("/api/v1/inbox/messages?limit=500").json().get("messages")) {
                        String subject = m.path("subject").asString("");
                        if (subject.startsWith("large " + run)) {
                            arrived.put(subject, m);
                        }
                    }
                    return arrived.size() == 4;
                });

        for (Sent s : sent) {
            JsonNode message = arrived.get(s.subject());
            String id = message.get("id").asString();
            assertThat(message.get("size").asLong()).as(s.subject()).isEqualTo(s.size());
            assertThat(sha256(bob, "/api/v1/inbox/messages/" + id + "/raw"))
                    .as("%s: the recipient's bytes are the sender's", s.subject())
                    .isEqualTo(s.sha256())
                    .isEqualTo(sha256(alice, "/api/v1/outbox/messages/" + s.id() + "/raw"));
            JsonNode view = bob.get("/api/v1/inbox/messages/" + id).json();
            if (s.fileSha256() == null) {
                assertThat(view.get("text_truncated").asBoolean()).as("25 MB of text is shown cut").isTrue();
                assertThat(view.get("text").asString()).hasSize(1_000_000).startsWith("line 0 of " + s.subject());
            } else {
                assertThat(view.get("text").asString()).isEqualTo("the file is attached");
                assertThat(view.get("attachments").get(0).get("size").asLong()).isEqualTo(FILE_BYTES);
                assertThat(sha256(bob, "/api/v1/inbox/messages/" + id + "/attachments/0"))
                        .as("%s: the attachment, decoded", s.subject()).isEqualTo(s.fileSha256());
            }
        }

        for (Domain domain : List.of(domains.alpha, domains.beta)) {
            for (String service : SERVICES) {
                assertThat(domain.alive(service)).as("%s %s still runs (192 MB heap, exits when it runs out):%n%s",
                        domain.name, service, domain.tail(service)).isTrue();
                System.out.printf("large messages: %s %s peak resident memory %d MiB%n", domain.name, service,
                        domain.peakResidentKib(service) / 1024);
            }
        }
    }

    record Sent(String subject, String id, long size, String sha256, String fileSha256) {
    }

    /** A raw message/rfc822 of exactly {@link #RAW_BYTES}, generated as it is sent. */
    static Sent sendRaw(String subject, long seed) throws Exception {
        String header = "From: alice@alpha.test\r\nTo: bob@beta.test\r\nSubject: " + subject + "\r\n"
                + "Message-ID: <" + UUID.randomUUID() + "@alpha.test>\r\nDate: Mon, 30 Nov 2026 06:00:00 +0000\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
        Supplier<InputStream> message = () -> new Generated(
                header.getBytes(StandardCharsets.US_ASCII), RAW_BYTES, seed, "line %d of " + subject + " ");
        Api.Response r = Api.send(HttpRequest.newBuilder(URI.create(alice.base + "/api/v1/outbox/messages"))
                .timeout(Duration.ofMinutes(2))
                .header("Authorization", "Bearer " + alice.token()).header("Content-Type", "message/rfc822")
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(message),
                        RAW_BYTES)));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return new Sent(subject, r.json().get("id").asString(), RAW_BYTES, sha256(message.get()), null);
    }

    /** A form with text and an {@link #FILE_BYTES} file of random bytes, generated as it is sent. */
    static Sent sendForm(String subject, long seed) throws Exception {
        String boundary = "----large-" + seed;
        String head = field(boundary, "to", "bob@beta.test") + field(boundary, "subject", subject)
                + field(boundary, "text", "the file is attached")
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"data.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        Supplier<InputStream> file = () -> new RandomBytes(FILE_BYTES, seed);
        Api.Response r = Api.send(HttpRequest.newBuilder(URI.create(alice.base + "/api/v1/outbox/messages"))
                .timeout(Duration.ofMinutes(2))
                .header("Authorization", "Bearer " + alice.token())
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofString(head),
                        HttpRequest.BodyPublishers.ofInputStream(file), HttpRequest.BodyPublishers.ofString(tail))));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        String id = r.json().get("id").asString();
        return new Sent(subject, id, r.json().get("size").asLong(), sha256(alice, "/api/v1/outbox/messages/" + id + "/raw"),
                sha256(file.get()));
    }

    private static String field(String boundary, String name, String value) {
        return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
    }

    /** The SHA-256 of a download, read as it streams in. */
    static String sha256(Api user, String path) throws Exception {
        HttpResponse<InputStream> r = Api.HTTP.send(HttpRequest.newBuilder(URI.create(user.base + path))
                .timeout(Duration.ofMinutes(1)).header("Authorization", "Bearer " + user.token()).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = r.body()) {
            if (r.statusCode() != 200) {
                throw new IllegalStateException(path + " answered " + r.statusCode() + ": "
                        + new String(body.readNBytes(2000), StandardCharsets.UTF_8));
            }
            return sha256(body);
        }
    }

    static String sha256(InputStream in) throws IOException {
        try (in) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A header, then numbered lines of letters up to exactly {@code size} bytes, made as they are read. */
    static final class Generated extends InputStream {
        private final byte[] header;
        private final long size;
        private final Random random;
        private final String linePrefix;
        private byte[] line = new byte[0];
        private int position;
        private long produced;
        private int lines;

        Generated(byte[] header, long size, long seed, String linePrefix) {
            this.header = header;
            this.size = size;
            this.random = new Random(seed);
            this.linePrefix = linePrefix;
            this.line = header;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            if (produced == size) {
                return -1;
            }
            if (position == line.length) {
                StringBuilder text = new StringBuilder(String.format(linePrefix, lines++));
                while (text.length() < 76) {
                    text.append((char) ('a' + random.nextInt(26)));
                }
                line = (text + "\r\n").getBytes(StandardCharsets.US_ASCII);
                position = 0;
            }
            int n = (int) Math.min(Math.min(length, line.length - position), size - produced);
            System.arraycopy(line, position, into, offset, n);
            position += n;
            produced += n;
            return n;
        }
    }

    /** {@code size} pseudo-random bytes from {@code seed}, made as they are read (in blocks, whatever is asked). */
    static final class RandomBytes extends InputStream {
        private final Random random;
        private final byte[] block = new byte[4096];
        private int position = block.length;
        private long left;

        RandomBytes(long size, long seed) {
            this.random = new Random(seed);
            this.left = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            if (left == 0) {
                return -1;
            }
            if (position == block.length) {
                random.nextBytes(block);
                position = 0;
            }
            int n = (int) Math.min(Math.min(length, block.length - position), left);
            System.arraycopy(block, position, into, offset, n);
            position += n;
            left -= n;
            return n;
        }
    }
}
