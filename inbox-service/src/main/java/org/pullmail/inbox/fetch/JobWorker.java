package org.pullmail.inbox.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.inbox.events.MailboxEvents;
import org.pullmail.inbox.reputation.Reputation;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.StatusReport;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.HttpRequestView;
import org.pullmail.protocol.http.HttpSignatures;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.DomainKeys;
import org.pullmail.service.PullmailProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs fetch and status jobs. A fetch is a signed GET with the recipient's capability; the bytes are
 * checked against the notified size and digest before they are stored. After storing (or a user's
 * decline) a signed status report goes back to the sender. Jobs are claimed with SKIP LOCKED and
 * leased, network calls run outside transactions, transient failures back off with jitter.
 */
@Component
class JobWorker {

    private static final Logger log = LoggerFactory.getLogger(JobWorker.class);
    private static final Duration LEASE = Duration.ofSeconds(120);
    private static final int BATCH = 20;

    private record Job(UUID id, String kind, String status, int attempts, Instant giveUpAt, UUID notice,
            String recipient, String token, String sender, String subject, long size, String digest, String fetchUrl) {
    }

    /** A job's end: permanent failures stop retrying; {@code retryAfter} is the peer's Retry-After. */
    private static final class JobFailure extends Exception {
        final boolean permanent;
        final Duration retryAfter;

        JobFailure(String message, boolean permanent) {
            this(message, permanent, null);
        }

        JobFailure(String message, boolean permanent, Duration retryAfter) {
            super(message);
            this.permanent = permanent;
            this.retryAfter = retryAfter;
        }

        /**
         * PROTOCOL.md 7.1: 429 (after its Retry-After), 5xx and 401 unknown-key (the sender's copy of this
         * domain's keys may be stale) are retried; every other refusal ends the job, 404 and 410 included.
         */
        static JobFailure answered(HttpResponse<?> response, String problem) {
            int status = response.statusCode();
            boolean transientFailure = status == 429 || status >= 500
                    || (status == 401 && problem.contains(ProblemType.UNKNOWN_KEY.uri().toString()));
            Duration retryAfter = response.headers().firstValue("Retry-After").map(JobFailure::seconds).orElse(null);
            return new JobFailure("the sender answered " + status + ": " + problem, !transientFailure, retryAfter);
        }

        private static Duration seconds(String value) {
            try {
                // capped at an hour (PROTOCOL.md 7.1), so that no peer parks a job for longer
                return Duration.ofSeconds(Math.min(3600, Math.max(0, Long.parseLong(value.trim()))));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final HttpClient http;
    private final DomainKeys keys;
    private final JobQueue jobs;
    private final Reputation reputation;
    private final MailboxEvents events;
    private final io.micrometer.core.instrument.MeterRegistry meters;
    private final InboxProperties inbox;
    private final PullmailProperties pullmail;
    private final Clock clock;

    JobWorker(JdbcClient jdbc, TransactionTemplate tx, HttpClient http, DomainKeys keys, JobQueue jobs,
            Reputation reputation, MailboxEvents events, InboxProperties inbox, PullmailProperties pullmail,
            Clock clock, io.micrometer.core.instrument.MeterRegistry meters) {
        this.meters = meters;
        this.reputation = reputation;
        this.events = events;
        this.jdbc = jdbc;
        this.tx = tx;
        this.http = http;
        this.keys = keys;
        this.jobs = jobs;
        this.inbox = inbox;
        this.pullmail = pullmail;
        this.clock = clock;
    }

    private final org.pullmail.service.WorkLoop<Job> loop =
            new org.pullmail.service.WorkLoop<>("fetch-jobs", BATCH, 8, this::claim, this::run);

    @Scheduled(fixedDelayString = "${pullmail.inbox.poll-interval:PT0.2S}")
    void runDue() {
        loop.nudge();
    }

    @org.springframework.transaction.event.TransactionalEventListener(fallbackExecution = true)
    void onQueued(JobQueue.JobsQueued event) {
        loop.nudge();
    }

    @jakarta.annotation.PreDestroy
    void stop() {
        loop.close();
    }

    private List<Job> claim() {
        Instant now = clock.instant();
        return tx.execute(status -> {
            List<Job> claimed = jdbc.sql("""
                    SELECT j.id, j.kind, j.status, j.attempts, j.give_up_at, n.id AS notice, n.recipient, n.token,
                           f.sender, f.subject, f.size, f.digest, f.fetch_url
                    FROM job j JOIN notice n ON n.id = j.notice JOIN notification f ON f.id = n.notification
                    WHERE j.done_at IS NULL AND j.next_attempt_at <= ?
                      -- a complaint about stored mail goes after the stored report (PROTOCOL.md 5.3)
                      AND NOT (j.status = 'spam' AND EXISTS (SELECT 1 FROM job s WHERE s.notice = j.notice
                               AND s.kind = 'status' AND s.status = 'stored' AND s.done_at IS NULL))
                    ORDER BY j.next_attempt_at LIMIT ? FOR UPDATE OF j SKIP LOCKED""")
                    .params(Timestamp.from(now), BATCH)
                    .query((rs, n) -> new Job(rs.getObject("id", UUID.class), rs.getString("kind"),
                            rs.getString("status"), rs.getInt("attempts"), rs.getTimestamp("give_up_at").toInstant(),
                            rs.getObject("notice", UUID.class), rs.getString("recipient"), rs.getString("token"),
                            rs.getString("sender"), rs.getString("subject"), rs.getLong("size"),
                            rs.getString("digest"), rs.getString("fetch_url")))
                    .list();
            for (Job j : claimed) {
                jdbc.sql("UPDATE job SET next_attempt_at = ?, attempts = attempts + 1 WHERE id = ?")
                        .params(Timestamp.from(now.plus(LEASE)), j.id()).update();
            }
            return claimed;
        });
    }

    private void run(Job job) {
        try {
            if ("fetch".equals(job.kind())) {
                long started = System.nanoTime();
                fetch(job);
                meters.timer("pullmail.fetch.latency").record(java.time.Duration.ofNanos(System.nanoTime() - started));
                meters.counter("pullmail.fetches", "result", "stored").increment();
            } else {
                reportStatus(job);
            }
        } catch (JobFailure e) {
            if ("fetch".equals(job.kind())) {
                meters.counter("pullmail.fetches", "result", e.permanent ? "refused" : "retry").increment();
            }
            Duration delay = backoff(job.attempts() + 1);
            if (e.retryAfter != null && e.retryAfter.compareTo(delay) > 0) {
                delay = e.retryAfter;
            }
            Instant next = clock.instant().plus(delay);
            if (e.permanent || next.isAfter(job.giveUpAt())) {
                log.warn("{} job {} for {} failed: {}", job.kind(), job.id(), job.recipient(), e.getMessage());
                tx.executeWithoutResult(s -> {
                    jdbc.sql("UPDATE job SET done_at = ?, last_error = ? WHERE id = ?")
                            .params(Timestamp.from(clock.instant()), e.getMessage(), job.id()).update();
                    if ("fetch".equals(job.kind())) {
                        jdbc.sql("UPDATE notice SET state = 'failed', detail = ? WHERE id = ? AND state = 'fetching'")
                                .params(e.getMessage(), job.notice()).update();
                    }
                });
            } else {
                log.info("{} job {} for {}: attempt {} failed, retrying: {}", job.kind(), job.id(), job.recipient(),
                        job.attempts() + 1, e.getMessage());
                jdbc.sql("UPDATE job SET next_attempt_at = ?, last_error = ? WHERE id = ?")
                        .params(Timestamp.from(next), e.getMessage(), job.id()).update();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void fetch(Job job) throws JobFailure, InterruptedException {
        URI url = URI.create(job.fetchUrl());
        guard(url, job.sender());
        String authorization = Pmp.CAPABILITY_SCHEME + " " + job.token();
        HttpRequestView view = new HttpRequestView("GET", url).header("Authorization", authorization);
        HttpSignatures.SignatureFields signature = keys.signer().sign(view, SignatureProfile.FETCH);
        HttpResponse<InputStream> response;
        try {
            response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60))
                    .header("Authorization", authorization)
                    .header("Accept", Pmp.MEDIA_TYPE_MESSAGE)
                    .header(HttpSignatures.SIGNATURE_INPUT, signature.signatureInput())
                    .header(HttpSignatures.SIGNATURE, signature.signature())
                    .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new JobFailure("cannot reach " + url.getHost() + ": " + e, false);
        }
        byte[] content;
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                String problem = new String(in.readNBytes(2000), java.nio.charset.StandardCharsets.UTF_8);
                throw JobFailure.answered(response, problem);
            }
            if (job.size() > inbox.maxMessageBytes()) {
                throw new JobFailure("the message is larger than this domain accepts", true);
            }
            content = in.readNBytes((int) job.size() + 1);
        } catch (IOException e) {
            throw new JobFailure("reading the message failed: " + e, false);
        }
        MessageDigest sha256 = ContentDigest.newSha256();
        byte[] actual = sha256.digest(content);
        byte[] notified;
        try {
            notified = ContentDigest.sha256Of(job.digest());
        } catch (ProtocolException e) {
            throw new JobFailure("the notified digest is unusable", true);
        }
        if (content.length != job.size() || !MessageDigest.isEqual(actual, notified)) {
            throw new JobFailure("the fetched bytes do not match the notified size and digest", true);
        }
        Instant now = clock.instant();
        tx.executeWithoutResult(s -> {
            int updated = jdbc.sql("UPDATE notice SET state = 'stored', decided_at = COALESCE(decided_at, ?) "
                    + "WHERE id = ? AND state = 'fetching'").params(Timestamp.from(now), job.notice()).update();
            if (updated == 1) {
                UUID message = org.pullmail.service.TimeOrderedIds.next();
                jdbc.sql("""
                        INSERT INTO message (id, notice, mailbox, sender, subject, size, content, received_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                        .params(message, job.notice(), job.recipient(), job.sender(), job.subject(),
                                content.length, content, Timestamp.from(now))
                        .update();
                reputation.record(job.sender(), Reputation.Event.FETCHED);
                events.newMessage(job.recipient(), message);
                jobs.enqueueStatus(job.notice(), "stored", now.plus(Duration.ofDays(2)));
            }
            jdbc.sql("UPDATE job SET done_at = ?, last_error = NULL WHERE id = ?").params(Timestamp.from(now), job.id())
                    .update();
        });
    }

    private void reportStatus(Job job) throws JobFailure, InterruptedException {
        URI url = URI.create(Pmp.statusUrl(job.fetchUrl()));
        guard(url, job.sender());
        StatusReport report = new StatusReport(List.of(new StatusReport.RecipientStatus(job.recipient(),
                StatusReport.Status.valueOf(job.status().toUpperCase()))));
        byte[] body = PmpJson.write(report);
        String authorization = Pmp.CAPABILITY_SCHEME + " " + job.token();
        String digest = ContentDigest.sha256(body);
        HttpRequestView view = new HttpRequestView("POST", url).header("Authorization", authorization)
                .header("Content-Type", Pmp.MEDIA_TYPE_JSON).header("Content-Digest", digest);
        HttpSignatures.SignatureFields signature = keys.signer().sign(view, SignatureProfile.STATUS);
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(15))
                    .header("Authorization", authorization)
                    .header("Content-Type", Pmp.MEDIA_TYPE_JSON)
                    .header("Content-Digest", digest)
                    .header(HttpSignatures.SIGNATURE_INPUT, signature.signatureInput())
                    .header(HttpSignatures.SIGNATURE, signature.signature())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new JobFailure("cannot reach " + url.getHost() + ": " + e, false);
        }
        if (response.statusCode() / 100 != 2) {
            throw JobFailure.answered(response, response.body());
        }
        jdbc.sql("UPDATE job SET done_at = ?, last_error = NULL WHERE id = ?")
                .params(Timestamp.from(clock.instant()), job.id()).update();
    }

    /** SSRF guard (PROTOCOL.md 8.2): untrusted fetch URLs never reach non-public addresses. */
    private void guard(URI url, String sender) throws JobFailure {
        String senderDomain = Addresses.domainOf(sender);
        if (pullmail.discovery().overrides().containsKey(senderDomain) || pullmail.discovery().allowPrivateAddresses()) {
            return;
        }
        if (!"https".equals(url.getScheme())) {
            throw new JobFailure("fetch URLs must be https", true);
        }
        try {
            DiscoveryClient.requirePublicHost(url.getHost());
        } catch (ProtocolException e) {
            throw new JobFailure(e.detail(), true);
        }
    }

    private Duration backoff(int attempt) {
        long initial = inbox.retryInitial().toMillis();
        long ceiling = Math.min(inbox.retryMax().toMillis(), initial << Math.min(20, attempt - 1));
        return Duration.ofMillis(initial + ThreadLocalRandom.current().nextLong(Math.max(1, ceiling - initial + 1)));
    }
}
