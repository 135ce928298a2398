package org.pullmail.bench;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.testing.PeerDomains;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pullmail against Postfix on this machine, in one run:
 * (a) what an unsolicited 20 KB message costs the recipient domain (wire bytes, CPU, disk),
 * (b) wanted mail between contacts end to end (throughput; p50/p99 send to stored at half that rate),
 * (c) notification intake at one inbox, (d) memory and start-up time of each service.
 * Everything runs on loopback, bounded in count and time.
 */
public final class Benchmark {

    static final JsonMapper JSON = JsonMapper.builder().build();
    /** HTTP/1.1 with keep-alive, as the services' own clients (no h2c upgrade headers on the wire). */
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static final int ALPHA = 8080;
    static final int BETA = 9080;
    static final int MESSAGE_BYTES = 20 * 1024;

    final Path root;
    final Path state;
    final Map<String, Object> results = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();

    Benchmark(Path root) {
        this.root = root;
        this.state = root.resolve("bench/.state");
    }

    public static void main(String[] args) throws Exception {
        new Benchmark(Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize()).run();
    }

    void run() throws Exception {
        log("machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + memoryGiB() + " GiB");
        // BENCH_ONLY=unsolicited,intake,flood,wanted,memory runs some parts, for profiling; it records nothing
        String only = System.getenv().getOrDefault("BENCH_ONLY", "");
        Predicate<String> part = name -> only.isBlank() || List.of(only.split(",")).contains(name);
        Map<String, Double> postfix = "1".equals(System.getenv("SKIP_POSTFIX")) || !only.isBlank() ? Map.of() : postfix();
        deleteTree(state.resolve("domains"));
        PeerDomains peers = new PeerDomains("stranger.test", "friend.test");
        CountingProxy proxy = new CountingProxy(BETA);
        try {
            startDomains(peers);
            peers.knowDomains(Map.of("alpha.test", "http://127.0.0.1:" + ALPHA, "beta.test", "http://127.0.0.1:" + BETA));
            startupTimes();
            if (part.test("unsolicited")) {
                unsolicited(peers.peer("stranger.test"), proxy);
            }
            if (part.test("intake")) {
                intake(peers.peer("stranger.test"));
            }
            if (part.test("flood")) {
                flood(peers.peer("stranger.test"), peers.peer("friend.test"));
            }
            if (part.test("wanted")) {
                wanted();
            }
            if (part.test("memory")) {
                memory();
            }
        } finally {
            proxy.close();
            peers.close();
            exec(Map.of("PULLMAIL_STATE", state.resolve("domains").toString()), root.resolve("pullmail").toString(), "down");
        }
        if (!only.isBlank()) {
            log("BENCH_ONLY: nothing recorded; " + results);
            return;
        }
        postfix.forEach((k, v) -> results.put(k, v));
        write(postfix);
    }

    // ------------------------------------------------------------------ domains

    void startDomains(PeerDomains peers) throws Exception {
        String extra = String.join(" ",
                "--pullmail.inbox.limits.per-sender-domain=100000000", "--pullmail.inbox.limits.per-sender-ip=100000000",
                "--pullmail.inbox.limits.per-recipient=100000000", "--pullmail.inbox.limits.pending-per-recipient=100000000",
                "--pullmail.outbox.limits.messages-per-hour=100000000", "--pullmail.outbox.limits.messages-per-day=100000000",
                "--pullmail.outbox.limits.quota-bytes=1000000000000", "--logging.level.org.pullmail.inbox.fetch=WARN",
                "--logging.level.org.pullmail.notifier.queue=WARN");
        notes.add("The domains run with intake and sending limits raised (" + extra.split(" ").length
                + " settings), so that the benchmark measures capacity, not the limits.");
        int rc = exec(Map.of("PULLMAIL_STATE", state.resolve("domains").toString(), "PULLMAIL_EXTRA_ARGS", extra,
                        "PULLMAIL_SEQUENTIAL", "1"),
                root.resolve("pullmail").toString(), "demo", "--peer", "stranger.test=" + peers.peer("stranger.test").base(),
                "--peer", "friend.test=" + peers.peer("friend.test").base());
        if (rc != 0) {
            throw new IllegalStateException("./pullmail demo failed");
        }
    }

    void startupTimes() throws IOException {
        Pattern started = Pattern.compile("Started \\w+ in ([0-9.]+) seconds");
        Map<String, Double> times = new LinkedHashMap<>();
        for (String service : List.of("gateway", "outbox-service", "notifier-service", "inbox-service", "smtp-bridge")) {
            String log = Files.readString(state.resolve("domains/beta.test/" + service + ".log"));
            Matcher m = started.matcher(log);
            if (m.find()) {
                times.put(service, Double.parseDouble(m.group(1)));
            }
        }
        results.put("startup_s", times);
        results.put("startup_max_s", times.values().stream().mapToDouble(d -> d).max().orElse(-1));
        log("start-up: " + times);
    }

    // ------------------------------------------------------------------ (a) unsolicited

    void unsolicited(PeerDomains.Peer stranger, CountingProxy proxy) throws Exception {
        int n = Integer.parseInt(System.getenv().getOrDefault("BENCH_UNSOLICITED_N", "400"));
        // the JVMs reach steady state (JIT-compiled) first; Postfix, written in C, needs no warm-up
        warmUp(stranger, Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP", "3000")));
        Map<String, Map<String, Double>> threadsBefore = cpuByThread("beta.test");
        Usage before = usage("beta.test");
        double[] batchesBefore = intakeBatches();
        proxy.reset();
        List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        parallel(8, n, i -> statuses.add(notify(stranger, "bob@beta.test", "http://127.0.0.1:" + proxy.port())));
        Usage after = usage("beta.test");
        double[] batchesAfter = intakeBatches();
        double batches = batchesAfter[0] - batchesBefore[0];
        results.put("unsolicited_intake_batch_mean", batches == 0 ? 0 : round((batchesAfter[1] - batchesBefore[1]) / batches));
        Map<String, Map<String, Double>> threadsAfter = cpuByThread("beta.test");
        Map<String, Map<String, Double>> budget = new LinkedHashMap<>();
        threadsAfter.forEach((part, kinds) -> {
            Map<String, Double> perMessage = new LinkedHashMap<>();
            kinds.forEach((kind, seconds) -> {
                double ms = round((seconds - threadsBefore.getOrDefault(part, Map.of()).getOrDefault(kind, 0.0)) * 1000 / n);
                if (ms > 0) {
                    perMessage.put(kind, ms);
                }
            });
            budget.put(part, perMessage);
        });
        results.put("unsolicited_cpu_ms_per_msg_by_thread", budget);
        log("unsolicited, CPU ms per message by thread (user/kernel): " + budget);
        Map<String, Double> cpuPerMessage = new LinkedHashMap<>();
        after.cpuSeconds().forEach((part, seconds) ->
                cpuPerMessage.put(part, round((seconds - before.cpuSeconds().get(part)) * 1000 / n)));
        results.put("unsolicited_cpu_ms_per_msg", cpuPerMessage);
        log("unsolicited, CPU ms per message: " + cpuPerMessage);
        long accepted = statuses.stream().filter(s -> s == 200).count();
        if (accepted != n) {
            throw new IllegalStateException("unsolicited: only " + accepted + " of " + n + " accepted");
        }
        results.put("unsolicited_messages", n);
        results.put("unsolicited_recipient_bytes_per_msg", round((double) proxy.bytes() / n));
        results.put("unsolicited_recipient_cpu_s_per_1000",
                round((after.totalCpuSeconds() - before.totalCpuSeconds()) * 1000 / n));
        results.put("unsolicited_recipient_disk_bytes_per_msg", round((double) (after.diskBytes() - before.diskBytes()) / n));
        log("unsolicited: notifications per intake batch " + results.get("unsolicited_intake_batch_mean") + ", "
                + results.get("unsolicited_recipient_bytes_per_msg") + " wire bytes, "
                + results.get("unsolicited_recipient_cpu_s_per_1000") + " CPU s per 1000, "
                + results.get("unsolicited_recipient_disk_bytes_per_msg") + " disk bytes per message");
        notes.add("(a) wire bytes are all TCP payload in both directions between the stranger domain and beta.test's "
                + "gateway (requests and answers); CPU is every beta.test process (five services and its PostgreSQL) "
                + "from /proc; disk is WAL written plus growth of the databases, after a CHECKPOINT. The discovery "
                + "document beta.test fetches from the stranger is cached for an hour and not counted.");
    }

    /** beta.test's intake batches so far, from its inbox's metrics: {batches, notifications}. */
    static double[] intakeBatches() throws Exception {
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (BETA + 3) + "/actuator/prometheus"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        double[] counts = new double[2];
        for (String line : metrics.split("\n")) {
            if (line.startsWith("pullmail_intake_batch_size_count")) {
                counts[0] = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("pullmail_intake_batch_size_sum")) {
                counts[1] = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return counts;
    }

    void warmUp(PeerDomains.Peer stranger, int n) throws Exception {
        parallel(4, n, i -> notify(stranger, "carol@beta.test", "http://127.0.0.1:" + BETA));
    }

    int notify(PeerDomains.Peer from, String to, String sendBase) {
        byte[] message = new byte[MESSAGE_BYTES];
        new Random().nextBytes(message);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String id = UUID.randomUUID().toString();
        byte[] token = new byte[32];
        new Random().nextBytes(token);
        Notification n = new Notification(id, "offers@" + from.domain,
                List.of(new Notification.Recipient(to, Base64.getUrlEncoder().withoutPadding().encodeToString(token))),
                "A limited offer, just for you", MESSAGE_BYTES, ContentDigest.sha256(message),
                from.base() + Pmp.FETCH_PATH + "/" + id, now, now.plus(Duration.ofDays(7)));
        try {
            HttpRequest request = from.signed("POST", URI.create("http://127.0.0.1:" + BETA + Pmp.NOTIFY_PATH),
                    URI.create(sendBase + Pmp.NOTIFY_PATH), PmpJson.write(n), SignatureProfile.NOTIFICATION,
                    Map.of("Content-Type", "application/json"), from.signer()).build();
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    // ------------------------------------------------------------------ intake under a flood

    /**
     * One hostile domain sends notifications as fast as 16 connections can for 20 s (bounded: at most 40,000),
     * while a contact's domain sends bob one every 100 ms; the contact's notifications are timed. The domains'
     * limits are raised (see above), so the flood meets only the domain's capacity, the worst case.
     */
    void flood(PeerDomains.Peer hostile, PeerDomains.Peer friend) throws Exception {
        String bob = token(BETA, "bob@beta.test");
        HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + BETA + "/api/v1/inbox/contacts/offers@"
                + friend.domain)).header("Authorization", "Bearer " + bob).PUT(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.discarding());
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        AtomicLong flooded = new AtomicLong();
        AtomicLong floodAccepted = new AtomicLong();
        ExecutorService flood = Executors.newFixedThreadPool(16);
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicLong contactAccepted = new AtomicLong();
        try {
            for (int t = 0; t < 16; t++) {
                flood.execute(() -> {
                    while (System.nanoTime() < until && flooded.incrementAndGet() <= 40_000) {
                        if (notify(hostile, "carol@beta.test", "http://127.0.0.1:" + BETA) == 200) {
                            floodAccepted.incrementAndGet();
                        }
                    }
                });
            }
            Thread.sleep(2000); // the flood is at full rate
            int sent = 0;
            while (System.nanoTime() < until - Duration.ofSeconds(1).toNanos()) {
                long start = System.nanoTime();
                if (notify(friend, "bob@beta.test", "http://127.0.0.1:" + BETA) == 200) {
                    contactAccepted.incrementAndGet();
                }
                latencies.add((System.nanoTime() - start) / 1e6);
                sent++;
                Thread.sleep(Math.max(0, 100 - (System.nanoTime() - start) / 1_000_000));
            }
            flood.shutdown();
            flood.awaitTermination(1, TimeUnit.MINUTES);
            List<Double> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            results.put("flood_contact_p50_ms", round(sorted.get(sorted.size() / 2)));
            results.put("flood_contact_p99_ms", round(sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1))));
            results.put("flood_contact_accepted", contactAccepted.get() + " of " + sent);
            results.put("flood_hostile_per_s", round(floodAccepted.get() / 20.0));
            log("flood: hostile " + results.get("flood_hostile_per_s") + " accepted per s; contact " + contactAccepted.get()
                    + " of " + sent + " accepted, p50 " + results.get("flood_contact_p50_ms") + " ms, p99 "
                    + results.get("flood_contact_p99_ms") + " ms");
            notes.add("Intake under a flood: stranger.test sends notifications on 16 connections as fast as they are "
                    + "answered for 20 s (at most 40,000), while friend.test, one of bob's contacts, sends bob one every "
                    + "100 ms from the third second on; each of the contact's notifications is timed from request to "
                    + "receipt. Limits are raised as everywhere in this benchmark, so the flood is held back only by the "
                    + "domain's capacity.");
        } finally {
            flood.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ (c) intake

    void intake(PeerDomains.Peer stranger) throws Exception {
        List<Double> rates = new ArrayList<>();
        for (int rep = 0; rep < 3; rep++) {
            int n = 600;
            AtomicLong ok = new AtomicLong();
            long start = System.nanoTime();
            parallel(16, n, i -> {
                if (notify(stranger, i % 2 == 0 ? "bob@beta.test" : "carol@beta.test", "http://127.0.0.1:" + BETA) == 200) {
                    ok.incrementAndGet();
                }
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            rates.add(ok.get() / seconds);
        }
        results.put("intake_notifications_per_s", round(median(rates)));
        results.put("intake_runs", rates.stream().map(Benchmark::round).toList());
        log("intake: " + rates);
    }

    // ------------------------------------------------------------------ (b) wanted mail

    void wanted() throws Exception {
        String alice = token(ALPHA, "alice@alpha.test");
        String bob = token(BETA, "bob@beta.test");
        put(BETA, "/api/v1/inbox/contacts/alice@alpha.test", bob);
        String text = "x".repeat(MESSAGE_BYTES);
        // warm-up: two cores' JIT compilers need a few thousand requests per service before the
        // compilations die down (measured with jstat -compiler); a mail server runs for months
        for (int round = 0; round < 8; round++) {
            awaitDeliveries(sendMany(alice, text, 300, 8, 0));
        }

        List<Double> peaks = new ArrayList<>();
        Map<String, Double> cpuBefore = cpuByProcess();
        for (int rep = 0; rep < 3; rep++) {
            int n = 300;
            List<String> ids = sendMany(alice, text, n, 8, 0);
            peaks.add(throughput(awaitDeliveries(ids)));
        }
        Map<String, Double> cpuPerMessage = new LinkedHashMap<>();
        cpuByProcess().forEach((process, seconds) ->
                cpuPerMessage.put(process, round((seconds - cpuBefore.get(process)) * 1000 / 900)));
        results.put("wanted_cpu_ms_per_msg", cpuPerMessage);
        log("wanted mail, CPU ms per message: " + cpuPerMessage);
        double peak = median(peaks);
        results.put("wanted_msgs_per_s", round(peak));
        results.put("wanted_runs", peaks.stream().map(Benchmark::round).toList());
        log("wanted mail: " + peaks + " msgs/s");

        double half = peak / 2;
        int n = (int) Math.min(400, Math.max(100, half * 20));
        List<String> ids = sendMany(alice, text, n, 4, (long) (1_000_000_000L / half));
        List<double[]> deliveries = awaitDeliveries(ids);
        List<Double> latencies = deliveries.stream().map(d -> d[1] - d[0]).sorted().toList();
        results.put("contact_send_to_stored_p50_ms", round(percentile(latencies, 50) * 1000));
        results.put("contact_send_to_stored_p99_ms", round(percentile(latencies, 99) * 1000));
        results.put("contact_latency_rate_msgs_per_s", round(half));
        log("latency at " + round(half) + " msgs/s: p50 " + results.get("contact_send_to_stored_p50_ms") + " ms, p99 "
                + results.get("contact_send_to_stored_p99_ms") + " ms");
        notes.add("(b) alice@alpha.test sends 20 KB messages through alpha.test's gateway to bob@beta.test, who has "
                + "her as a contact; a message counts when alpha.test's outbox records bob's domain's 'stored' status "
                + "(notified, fetched, checked, stored and confirmed). Throughput is messages over the time from the first "
                + "acceptance to the last 'stored', eight senders at once, after 2,400 messages of warm-up (the JIT "
                + "compilers of ten JVMs on two cores are still busy after the first thousand); latencies are "
                + "stored_at - queued_at, sent at a steady half of that rate. Progress is read from alpha.test's "
                + "outbox database, not its API, so that watching adds no load. CPU per message is every process "
                + "of both domains over the three measured runs.");
    }

    List<String> sendMany(String token, String text, int n, int concurrency, long intervalNanos) throws Exception {
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        String body = JSON.writeValueAsString(Map.of("to", List.of("bob@beta.test"), "subject", "Wanted", "text", text));
        long start = System.nanoTime();
        parallel(concurrency, n, i -> {
            if (intervalNanos > 0) {
                long due = start + i * intervalNanos;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ALPHA
                                + "/api/v1/outbox/messages")).header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 201) {
                    ids.add(JSON.readTree(r.body()).get("id").asString());
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        if (ids.size() != n) {
            throw new IllegalStateException("only " + ids.size() + " of " + n + " messages were accepted");
        }
        return ids;
    }

    /**
     * Waits until every message is stored; answers [queued_at, stored_at] in epoch seconds per message. It reads
     * alpha.test's outbox database, one query per quarter second, so that watching adds no load to the services
     * measured (hundreds of status requests per round through the gateway would).
     */
    List<double[]> awaitDeliveries(List<String> ids) throws Exception {
        int port = Integer.parseInt(Files.readString(state.resolve("domains/alpha.test/port")).trim()) + 4;
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/outbox", "postgres",
                "postgres");
                PreparedStatement count = c.prepareStatement("""
                        SELECT count(*) FILTER (WHERE state = 'stored'),
                               count(*) FILTER (WHERE state IN ('failed', 'declined', 'spam', 'expired', 'recalled'))
                        FROM delivery WHERE message_id = ANY (?)""");
                PreparedStatement times = c.prepareStatement("""
                        SELECT extract(epoch FROM queued_at)::float8, extract(epoch FROM stored_at)::float8
                        FROM delivery WHERE message_id = ANY (?)""");
                PreparedStatement stages = c.prepareStatement("""
                        SELECT extract(epoch FROM max(queued_at) - min(queued_at)),
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM notified_at - queued_at)),
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM fetched_at - notified_at)),
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - fetched_at)),
                               extract(epoch FROM max(stored_at) - max(queued_at))
                        FROM delivery WHERE message_id = ANY (?)""")) {
            Array array = c.createArrayOf("uuid", ids.stream().map(UUID::fromString).toArray());
            count.setArray(1, array);
            times.setArray(1, array);
            stages.setArray(1, array);
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(250)).until(() -> {
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    if (rs.getLong(2) > 0) {
                        throw new IllegalStateException(rs.getLong(2) + " messages ended without being stored");
                    }
                    return rs.getLong(1) == ids.size();
                }
            });
            List<double[]> out = new ArrayList<>();
            try (ResultSet t = times.executeQuery()) {
                while (t.next()) {
                    out.add(new double[] {t.getDouble(1), t.getDouble(2)});
                }
            }
            try (ResultSet st = stages.executeQuery()) {
                st.next();
                log(String.format(Locale.ROOT, "  %d messages: accepted over %.2f s; median s from queued to "
                                + "notified %.3f, to fetched %.3f, to stored %.3f; last stored %.2f s after the last accepted",
                        ids.size(), st.getDouble(1), st.getDouble(2), st.getDouble(3), st.getDouble(4), st.getDouble(5)));
            }
            return out;
        }
    }

    static double throughput(List<double[]> deliveries) {
        double first = deliveries.stream().mapToDouble(d -> d[0]).min().orElseThrow();
        double last = deliveries.stream().mapToDouble(d -> d[1]).max().orElseThrow();
        return deliveries.size() / (last - first);
    }

    // ------------------------------------------------------------------ (d) memory

    void memory() throws IOException {
        Map<String, Double> pss = new LinkedHashMap<>();
        double domain = 0;
        for (String process : PARTS) {
            double mb = 0;
            for (long p : processes(state.resolve("domains/beta.test"), process)) {
                mb += pssKb(p) / 1024.0;
            }
            pss.put(process, round(mb));
            domain += mb;
        }
        results.put("service_pss_mb", pss);
        results.put("domain_rss_mb", round(domain));
        log("memory (PSS, MB): " + pss + ", domain " + round(domain));
        notes.add("(d) memory is the proportional set size (PSS, from /proc/*/smaps_rollup) of each service's process "
                + "and of the domain's PostgreSQL (the JVM that starts it, its server and every backend), after the load, "
                + "with the heaps ./pullmail gives each service. Start-up is Spring Boot's own 'Started … in' time, each "
                + "service started alone (PULLMAIL_SEQUENTIAL=1: the next one starts when the last is ready) while the "
                + "services started before it run idle.");
    }

    // ------------------------------------------------------------------ Postfix

    Map<String, Double> postfix() throws Exception {
        Path out = state.resolve("postfix");
        deleteTree(out);
        // the project's own copy, so a fresh clone anywhere runs the same baseline
        Path script = root.resolve("bench/postfix-baseline.sh");
        log("Postfix baseline: " + script);
        int rc = exec(Map.of("N", System.getenv().getOrDefault("POSTFIX_N", "2000"),
                "REPS", System.getenv().getOrDefault("POSTFIX_REPS", "3"), "SIZES", "20480", "NCAP", "300",
                "WARM", "200", "SKIP_FSYNC", "1", "OUT", out.toString()), "bash", script.toString());
        String summary = Files.readString(out.resolve("summary.txt"));
        Map<String, Double> values = new LinkedHashMap<>();
        String section = summary.substring(summary.indexOf("== postfix size=20480"));
        values.put("postfix_chain_msgs_per_s", value(section, "e2e_mps"));
        values.put("postfix_accept_msgs_per_s", value(section, "accept_mps"));
        values.put("postfix_recipient_cpu_s_per_1000", value(section, "pf_cpu_s_per1k"));
        values.put("postfix_recipient_disk_bytes_per_msg", value(section, "disk_bytes_per_msg"));
        String wire = Files.readString(out.resolve("wire.txt"));
        values.put("postfix_recipient_bytes_per_msg", wireBytes(wire));
        log("Postfix: " + values + " (exit " + rc + ")");
        notes.add("Postfix figures come from bench/postfix-baseline.sh run in this same benchmark (N="
                + System.getenv().getOrDefault("POSTFIX_N", "2000") + ", 20 KB, medians of "
                + System.getenv().getOrDefault("POSTFIX_REPS", "3") + " runs). Its relay leg ends in smtp-sink, not in "
                + "a second Postfix writing a mailbox, so its chain figure is an upper bound for a Postfix-to-Postfix chain. "
                + "Its wire bytes are TCP payload client to Postfix for a 20 KB message.");
        return values;
    }

    static double value(String section, String key) {
        Matcher m = Pattern.compile("\\n\\s*" + key + "\\s+([0-9.]+)").matcher(section);
        if (!m.find()) {
            throw new IllegalStateException("no " + key + " in the Postfix summary");
        }
        return Double.parseDouble(m.group(1));
    }

    /** TCP payload per message, both directions, client to Postfix (port 2525), in the 20 KB capture. */
    static double wireBytes(String wire) {
        Matcher m = Pattern.compile("port 2525: per msg:.*?tcp_payload ([0-9]+)").matcher(wire);
        if (!m.find()) {
            throw new IllegalStateException("no tcp_payload for port 2525 in the Postfix wire capture");
        }
        return Double.parseDouble(m.group(1));
    }

    // ------------------------------------------------------------------ measuring

    /** CPU seconds so far of each part of a domain, and its disk bytes (WAL written plus database sizes). */
    record Usage(Map<String, Double> cpuSeconds, long diskBytes) {

        double totalCpuSeconds() {
            return cpuSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    static final List<String> PARTS = List.of("gateway", "outbox-service", "notifier-service", "inbox-service", "smtp-bridge",
            "postgres");

    /** CPU seconds so far of every part of one domain. */
    Map<String, Double> cpuByPart(String domain) throws IOException {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String part : PARTS) {
            double cpu = 0;
            for (long p : processes(state.resolve("domains").resolve(domain), part)) {
                cpu += cpuSeconds(p);
            }
            out.put(part, cpu);
        }
        return out;
    }

    /**
     * CPU seconds so far of each JVM part of a domain by kind of thread, user and kernel time apart, from
     * /proc/PID/task (the JVM names its threads): where a message's CPU goes inside each service. (A CHECKPOINT
     * and this reading run between the two readings, so the figures carry a few ms of that.)
     */
    Map<String, Map<String, Double>> cpuByThread(String domain) throws IOException {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (String part : PARTS) {
            if (part.equals("postgres")) {
                continue;
            }
            Map<String, Double> kinds = new TreeMap<>();
            for (long pid : processes(state.resolve("domains").resolve(domain), part)) {
                try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
                    for (Path task : tasks.toList()) {
                        try {
                            String stat = Files.readString(task.resolve("stat"));
                            String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                            String kind = threadKind(name);
                            kinds.merge(kind + " user", Long.parseLong(f[11]) / 100.0, Double::sum);
                            kinds.merge(kind + " kernel", Long.parseLong(f[12]) / 100.0, Double::sum);
                        } catch (IOException | RuntimeException gone) {
                            // the thread ended meanwhile
                        }
                    }
                } catch (IOException gone) {
                    // the process ended meanwhile
                }
            }
            out.put(part, kinds);
        }
        return out;
    }

    /** What a JVM thread does, from its name (as /proc shows it, cut at 15 characters). */
    static String threadKind(String name) {
        if (name.startsWith("qtp") || name.startsWith("http-nio") || name.contains("-exec-")) {
            return "requests";
        }
        if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            return "JIT";
        }
        if (name.startsWith("GC ") || name.startsWith("VM Thread") || name.startsWith("G1 ")) {
            return "GC";
        }
        return "other";
    }

    /** CPU seconds so far of every part of both domains, by domain/part. */
    Map<String, Double> cpuByProcess() throws IOException {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String domain : List.of("alpha.test", "beta.test")) {
            cpuByPart(domain).forEach((part, cpu) -> out.put(domain + "/" + part, cpu));
        }
        return out;
    }

    Usage usage(String domain) throws Exception {
        Path dir = state.resolve("domains").resolve(domain);
        Map<String, Double> cpu = cpuByPart(domain);
        int port = Integer.parseInt(Files.readString(dir.resolve("port")).trim()) + 4;
        long disk = 0;
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres",
                "postgres")) {
            c.createStatement().execute("CHECKPOINT");
            ResultSet rs = c.createStatement().executeQuery(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint, "
                            + "(SELECT sum(pg_database_size(datname))::bigint FROM pg_database)");
            rs.next();
            disk = rs.getLong(1) + rs.getLong(2);
        }
        return new Usage(cpu, disk);
    }

    /**
     * The processes of one part of a domain. PostgreSQL's server detaches from the JVM that starts it, so
     * its processes are found from the server's own pid file (postmaster.pid) and counted with that JVM.
     */
    static List<Long> processes(Path domain, String part) throws IOException {
        List<Long> out = new ArrayList<>(tree(Long.parseLong(Files.readString(domain.resolve(part + ".pid")).trim())));
        Path postmaster = domain.resolve("pgdata/postmaster.pid");
        if (part.equals("postgres") && Files.exists(postmaster)) {
            for (long p : tree(Long.parseLong(Files.readAllLines(postmaster).get(0).trim()))) {
                if (!out.contains(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    static List<Long> tree(long root) throws IOException {
        Map<Long, List<Long>> children = new LinkedHashMap<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    children.computeIfAbsent(Long.parseLong(f[1]), k -> new ArrayList<>()).add(Long.parseLong(name));
                } catch (IOException gone) {
                    // the process ended meanwhile
                }
            }
        }
        List<Long> out = new ArrayList<>();
        List<Long> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            long pid = todo.remove(todo.size() - 1);
            out.add(pid);
            todo.addAll(children.getOrDefault(pid, List.of()));
        }
        return out;
    }

    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // utime, stime, cutime, cstime (fields 14-17), in clock ticks of 1/100 s
            return (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static double pssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Double.parseDouble(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    // ------------------------------------------------------------------ output

    void write(Map<String, Double> postfix) throws IOException {
        results.put("date", LocalDate.now().toString());
        results.put("machine", Runtime.getRuntime().availableProcessors() + " cores, " + memoryGiB() + " GiB");
        // the false-positive simulation (bench/simulate) records its own part of the same file: kept as it is
        Path recorded = root.resolve("bench/results.json");
        JsonNode simulation = Files.exists(recorded)
                ? JSON.readTree(Files.readString(recorded)).get(SimulationRecord.KEY) : null;
        if (simulation != null) {
            results.put(SimulationRecord.KEY, simulation);
        }
        Files.writeString(recorded,
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results) + "\n");
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results\n\n");
        md.append("Recorded by `bench/run` on ").append(results.get("date")).append(", on a machine with ")
                .append(results.get("machine")).append(" (Postfix and both Pullmail domains on the same machine, in one run; ")
                .append("the load generator shares it). Medians where a figure was measured more than once.\n\n");
        md.append("| measure | Pullmail | Postfix | ratio | target |\n|---|---|---|---|---|\n");
        row(md, "(a) unsolicited 20 KB message: recipient's wire bytes per message", "unsolicited_recipient_bytes_per_msg",
                "postfix_recipient_bytes_per_msg", "≤ 1/25");
        row(md, "(a) recipient CPU seconds per 1,000 messages", "unsolicited_recipient_cpu_s_per_1000",
                "postfix_recipient_cpu_s_per_1000", "≤ 1/4");
        row(md, "(a) recipient disk bytes per message", "unsolicited_recipient_disk_bytes_per_msg",
                "postfix_recipient_disk_bytes_per_msg", "≤ 1/10");
        row(md, "(b) wanted mail between contacts, messages/s (Postfix: relay chain)", "wanted_msgs_per_s",
                "postfix_chain_msgs_per_s", "≥ 1.0×");
        row(md, "(c) notification intake at one inbox, per s (Postfix: messages accepted)", "intake_notifications_per_s",
                "postfix_accept_msgs_per_s", "≥ 3×");
        md.append("| (b) send to stored at half the peak rate, p50 / p99 ms | ")
                .append(results.get("contact_send_to_stored_p50_ms")).append(" / ")
                .append(results.get("contact_send_to_stored_p99_ms")).append(" | – | – | p99 ≤ 250 |\n");
        md.append("| (c) a contact's notification during a flood from another domain, p50 / p99 ms (accepted) | ")
                .append(results.get("flood_contact_p50_ms")).append(" / ").append(results.get("flood_contact_p99_ms"))
                .append(" (").append(results.get("flood_contact_accepted")).append("; the flood: ")
                .append(results.get("flood_hostile_per_s")).append(" per s) | – | – | p99 < 250 |\n");
        md.append("| (d) memory of a whole domain (PSS), MB | ").append(results.get("domain_rss_mb"))
                .append(" | – | – | ≤ 1,200 |\n");
        md.append("| (d) slowest service start-up, s | ").append(results.get("startup_max_s")).append(" | – | – | ≤ 8 |\n\n");
        md.append("Per service: memory ").append(results.get("service_pss_mb")).append(" MB; start-up ")
                .append(results.get("startup_s")).append(" s. Runs: wanted ").append(results.get("wanted_runs"))
                .append(" msgs/s; intake ").append(results.get("intake_runs")).append(" per s.\n\n")
                .append("CPU milliseconds per message, by process: unsolicited (beta.test) ")
                .append(results.get("unsolicited_cpu_ms_per_msg")).append("; wanted mail (both domains) ")
                .append(results.get("wanted_cpu_ms_per_msg")).append(".\n\n")
                .append("Where an unsolicited notification's CPU goes in each service of beta.test, ms per message by kind of ")
                .append("thread (requests: the request threads, I/O included; JIT: the compilers; GC), user and kernel ")
                .append("time apart: ").append(results.get("unsolicited_cpu_ms_per_msg_by_thread"))
                .append(".\n\n## How it was measured\n\n");
        for (String note : notes) {
            md.append("- ").append(note).append("\n");
        }
        Path record = root.resolve("bench/RESULTS.md");
        String previous = Files.exists(record) ? Files.readString(record) : "";
        // kept from the previous file: the simulation's section (bench/simulate) and the findings after it
        int simulationSection = previous.indexOf("\n" + SimulationRecord.HEADING);
        int history = simulationSection >= 0 ? simulationSection : previous.indexOf("\n## Findings");
        md.append(history >= 0 ? previous.substring(history) : "");
        Files.writeString(record, md.toString());
        log("wrote bench/results.json and bench/RESULTS.md");
    }

    void row(StringBuilder md, String label, String ours, String theirs, String target) {
        Object a = results.get(ours);
        Object b = results.get(theirs);
        String ratio = "–";
        if (a instanceof Number x && b instanceof Number y && y.doubleValue() != 0) {
            double r = x.doubleValue() / y.doubleValue();
            ratio = r < 1 ? "1/" + round(1 / r) : round(r) + "×";
        }
        md.append("| ").append(label).append(" | ").append(a).append(" | ").append(b == null ? "–" : b).append(" | ")
                .append(ratio).append(" | ").append(target).append(" |\n");
    }

    // ------------------------------------------------------------------ helpers

    static String token(int port, String address) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/auth/token"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"address\":\"" + address + "\",\"password\":\"pullmail-demo\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).get("access_token").asString();
    }

    static JsonNode get(int port, String path, String token) throws Exception {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    static void put(int port, String path, String token) throws Exception {
        HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).PUT(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    interface Task {
        void run(int i) throws Exception;
    }

    static void parallel(int threads, int n, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    task.run(index);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    int exec(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).inheritIO();
        builder.environment().putAll(env);
        Process p = builder.start();
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " timed out");
        }
        return p.exitValue();
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static double percentile(List<Double> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static long memoryGiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Math.round(Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0);
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    static void log(String line) {
        System.out.println("[bench " + LocalTime.now().withNano(0) + "] " + line);
    }

    /** A TCP proxy in front of a port that counts every payload byte in both directions. */
    static final class CountingProxy implements AutoCloseable {
        private final ServerSocket server;
        private final AtomicLong bytes = new AtomicLong();
        private final ExecutorService pool = Executors.newCachedThreadPool();

        CountingProxy(int target) throws IOException {
            server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
            pool.execute(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                        pool.execute(() -> pump(client, upstream));
                        pool.execute(() -> pump(upstream, client));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void pump(Socket from, Socket to) {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    bytes.addAndGet(n);
                    out.write(buffer, 0, n);
                }
            } catch (IOException closed) {
                // one side closed the connection
            } finally {
                try {
                    to.close();
                    from.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }

        int port() {
            return server.getLocalPort();
        }

        long bytes() {
            return bytes.get();
        }

        void reset() {
            bytes.set(0);
        }

        @Override
        public void close() throws IOException {
            server.close();
            pool.shutdownNow();
        }
    }
}
