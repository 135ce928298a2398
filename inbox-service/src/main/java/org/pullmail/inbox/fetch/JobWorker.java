package org.pullmail.inbox.fetch;

import java.io.IOException;
import java.net.URI;
import java.security.MessageDigest;
import java.sql.Array;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.inbox.events.MailboxEvents;
import org.pullmail.inbox.notice.NoticeState;
import org.pullmail.inbox.notice.NoticeTransitions;
import org.pullmail.inbox.reputation.Reputation;
import org.pullmail.inbox.tag.TaggedAddress;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.StatusReport;
import org.pullmail.protocol.discovery.DiscoveryClient;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.protocol.peer.NonPublicAddressException;
import org.pullmail.protocol.peer.PeerClient;
import org.pullmail.protocol.peer.PeerRequest;
import org.pullmail.protocol.peer.PeerResponse;
import org.pullmail.service.Backoff;
import org.pullmail.service.DomainKeys;
import org.pullmail.service.MessageBytes;
import org.pullmail.service.PullmailProperties;
import org.pullmail.service.QueueLease;
import org.pullmail.service.TimeOrderedIds;
import org.pullmail.service.WorkLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.MeterRegistry;

import jakarta.annotation.PreDestroy;

/**
 * Runs fetch and status jobs. A fetch is a signed GET with the recipient's capability; the bytes are
 * checked against the notified size and digest before they are stored. After storing (or a user's
 * decline) a signed status report goes back to the sender. Jobs are claimed with SKIP LOCKED and
 * leased, network calls run outside transactions, transient failures back off with jitter.
 * <p>
 * A slow sender domain holds only its own jobs: every exchange has a deadline that grows with the
 * notified size at a minimum rate ({@link PeerClient}), a worker that frees up claims the next job at
 * once, and at most {@code jobs.per-domain} jobs of one sender domain run at a time, or up to half the workers
 * while the other half is idle ({@link WorkLoop#borrowing}): one busy domain alone is not held to its share.
 */
@Component
class JobWorker {

    private static final Logger log = LoggerFactory.getLogger(JobWorker.class);
    /** Longer than any exchange's deadline, so that a job is never run twice at once. */
    private static final Duration MIN_LEASE = Duration.ofSeconds(120);
    /** What is read of an answer that is not the message: a problem (RFC 9457) or a status report's answer. */
    private static final int MAX_PROBLEM_BYTES = 4096;

    private record Job(UUID id, String kind, String status, int attempts, Instant giveUpAt, UUID notice,
            String recipient, String tag, String token, String sender, String senderDomain, String subject, long size,
            String digest, String fetchUrl, List<String> otherAddresses, boolean bridged, boolean senderProven) {

        /** The address the notification named, which the sender's status report must name: maybe a tag's. */
        String notifiedAddress() {
            return TaggedAddress.address(recipient, tag);
        }

        /** Every address the report names: the notified one, then the mailbox's others in the same notification. */
        List<String> reportedAddresses() {
            List<String> all = new ArrayList<>(1 + otherAddresses.size());
            all.add(notifiedAddress());
            all.addAll(otherAddresses);
            return all;
        }
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
        static JobFailure answered(PeerResponse response, String problem) {
            int status = response.status();
            boolean transientFailure = status == 429 || status >= 500
                    || (status == 401 && problem.contains(ProblemType.UNKNOWN_KEY.uri().toString()));
            Duration retryAfter = response.header("Retry-After").map(Backoff::retryAfter).orElse(null);
            return new JobFailure("the sender answered " + status + ": " + problem, !transientFailure, retryAfter);
        }

    }

    private static final QueueLease JOBS = new QueueLease("job", "uuid", "next_attempt_at", "attempts");

    private final JdbcClient jdbc;
    private final NoticeTransitions notices;
    private final TransactionTemplate tx;
    private final MessageBytes bytes;
    private final PeerClient http;
    private final DiscoveryClient discovery;
    private final DomainKeys keys;
    private final PullmailProperties pullmail;
    private final JobQueue jobs;
    private final Reputation reputation;
    private final MailboxEvents events;
    private final MeterRegistry meters;
    private final InboxProperties inbox;
    private final Backoff retries;
    private final Clock clock;
    private final WorkLoop<Job> loop;

    JobWorker(JdbcClient jdbc, NoticeTransitions notices, TransactionTemplate tx, MessageBytes bytes, PeerClient http, DiscoveryClient discovery, DomainKeys keys,
            JobQueue jobs, Reputation reputation, MailboxEvents events, InboxProperties inbox, Clock clock,
            MeterRegistry meters, PullmailProperties pullmail) {
        this.pullmail = pullmail;
        this.meters = meters;
        this.reputation = reputation;
        this.events = events;
        this.jdbc = jdbc;
        this.notices = notices;
        this.tx = tx;
        this.bytes = bytes;
        this.http = http;
        this.discovery = discovery;
        this.keys = keys;
        this.jobs = jobs;
        this.inbox = inbox;
        this.retries = new Backoff(inbox.retryInitial(), inbox.retryMax());
        this.clock = clock;
        this.loop = WorkLoop.borrowing("fetch-jobs", inbox.jobs().workers(), inbox.jobs().perDomain(), Job::senderDomain,
                this::claim, this::run);
    }

    @Scheduled(fixedDelayString = "${pullmail.inbox.poll-interval:PT0.2S}")
    void runDue() {
        loop.nudge();
    }

    @TransactionalEventListener(fallbackExecution = true)
    void onQueued(JobQueue.JobsQueued event) {
        loop.nudge();
    }

    @PreDestroy
    void stop() {
        loop.close();
    }

    /**
     * Due jobs, oldest first, at most {@code jobs.per-domain} per sender domain and none for a domain
     * whose slots are all taken; only those the loop admits are leased.
     */
    private List<Job> claim(WorkLoop.Slots<Job> slots) {
        Instant now = clock.instant();
        return tx.execute(status -> {
            List<Job> candidates = jdbc.sql("""
                    SELECT j.id, j.kind, j.status, j.attempts, j.give_up_at, n.id AS notice, n.recipient, n.tag, n.token,
                           f.sender, f.sender_domain, f.subject, f.size, f.digest, f.fetch_url, n.other_addresses,
                           f.bridged IS NOT NULL AS bridged, f.bridged IS NULL OR f.bridged ->> 'dmarc' = 'pass' AS proven
                    FROM job j JOIN notice n ON n.id = j.notice JOIN notification f ON f.id = n.notification
                    WHERE j.id IN (
                        SELECT id FROM (
                            SELECT id, row_number() OVER (PARTITION BY sender_domain ORDER BY next_attempt_at) AS nth
                            FROM (SELECT d.id, df.sender_domain, d.next_attempt_at
                                  FROM job d JOIN notice dn ON dn.id = d.notice
                                  JOIN notification df ON df.id = dn.notification
                                  WHERE d.done_at IS NULL AND d.next_attempt_at <= ?
                                    AND NOT (df.sender_domain = ANY (?))
                                    -- a complaint about stored mail goes after the stored report (PROTOCOL.md 5.3)
                                    AND NOT (d.status = 'spam' AND EXISTS (SELECT 1 FROM job s WHERE s.notice = d.notice
                                             AND s.kind = 'status' AND s.status = 'stored' AND s.done_at IS NULL))
                                  ORDER BY d.next_attempt_at LIMIT ?) due) ranked
                        WHERE nth <= ?)
                      -- checked again on the locked row: another replica may have leased it meanwhile
                      AND j.done_at IS NULL AND j.next_attempt_at <= ?
                    ORDER BY j.next_attempt_at FOR UPDATE OF j SKIP LOCKED""")
                    .params(Timestamp.from(now), slots.fullPeers().toArray(String[]::new), slots.candidates(), slots.perPeer(),
                            Timestamp.from(now))
                    .query((rs, n) -> new Job(rs.getObject("id", UUID.class), rs.getString("kind"),
                            rs.getString("status"), rs.getInt("attempts"), rs.getTimestamp("give_up_at").toInstant(),
                            rs.getObject("notice", UUID.class), rs.getString("recipient"), rs.getString("tag"), rs.getString("token"),
                            rs.getString("sender"), rs.getString("sender_domain"), rs.getString("subject"),
                            rs.getLong("size"), rs.getString("digest"), rs.getString("fetch_url"),
                            others(rs.getArray("other_addresses")), rs.getBoolean("bridged"), rs.getBoolean("proven")))
                    .list();
            List<Job> claimed = new ArrayList<>();
            Map<UUID, Instant> leases = new LinkedHashMap<>();
            for (Job j : candidates) {
                if (slots.free() == 0) {
                    break;
                }
                if (slots.admit(j)) {
                    leases.put(j.id(), now.plus(lease(j)));
                    claimed.add(j);
                }
            }
            JOBS.lease(jdbc, leases);
            return claimed;
        });
    }

    /** The bytes an exchange of this job may read: the notified size for a fetch, a problem's bound besides. */
    private static long readBound(Job job) {
        return "fetch".equals(job.kind()) ? Math.max(job.size(), MAX_PROBLEM_BYTES) : MAX_PROBLEM_BYTES;
    }

    private Duration lease(Job job) {
        Duration exchange = http.deadlineFor(readBound(job)).multipliedBy(2);
        return exchange.compareTo(MIN_LEASE) > 0 ? exchange : MIN_LEASE;
    }

    private void run(Job job) {
        try {
            if ("fetch".equals(job.kind())) {
                long started = System.nanoTime();
                fetch(job);
                meters.timer("pullmail.fetch.latency").record(Duration.ofNanos(System.nanoTime() - started));
                meters.counter("pullmail.fetches", "result", "stored").increment();
            } else {
                reportStatus(job);
            }
        } catch (JobFailure e) {
            if ("fetch".equals(job.kind())) {
                meters.counter("pullmail.fetches", "result", e.permanent ? "refused" : "retry").increment();
            }
            Duration delay = retries.after(job.attempts() + 1, e.retryAfter);
            Instant next = clock.instant().plus(delay);
            if (e.permanent || next.isAfter(job.giveUpAt())) {
                log.warn("{} job {} for {} failed: {}", job.kind(), job.id(), job.recipient(), e.getMessage());
                tx.executeWithoutResult(s -> {
                    jdbc.sql("UPDATE job SET done_at = ?, last_error = ? WHERE id = ?")
                            .params(Timestamp.from(clock.instant()), e.getMessage(), job.id()).update();
                    if ("fetch".equals(job.kind())) {
                        notices.move(job.notice(), NoticeState.FAILED, false, e.getMessage());
                    }
                });
            } else {
                log.info("{} job {} for {}: attempt {} failed, retrying: {}", job.kind(), job.id(), job.recipient(),
                        job.attempts() + 1, e.getMessage());
                jdbc.sql("UPDATE job SET next_attempt_at = ?, last_error = ? WHERE id = ?")
                        .params(Timestamp.from(next), e.getMessage(), job.id()).update();
            }
        }
    }

    private void fetch(Job job) throws JobFailure {
        if (job.size() > inbox.maxMessageBytes()) {
            throw new JobFailure("the message is larger than this domain accepts", true);
        }
        URI url = URI.create(job.fetchUrl());
        guard(url, job);
        PeerRequest request = keys.signer().request("GET", url, Map.of(
                "Authorization", Pmp.CAPABILITY_SCHEME + " " + job.token(),
                "Accept", Pmp.MEDIA_TYPE_MESSAGE), null, SignatureProfile.FETCH);
        UUID message = TimeOrderedIds.next();
        // the bytes go to storage as they arrive, checked against the notified size and digest on the way
        Fetched fetched = exchange(url, request, readBound(job), (status, headers, body) -> {
                    if (status != 200) {
                        return new Fetched(new PeerResponse(status, headers, body.readNBytes(MAX_PROBLEM_BYTES), false),
                                null);
                    }
                    MessageBytes.Writer writer = bytes.writer(message, job.size());
                    try {
                        writer.copy(body);
                    } catch (MessageBytes.TooLargeException | PeerClient.BodyTooLongException e) {
                        writer.discard();
                        return new Fetched(null, null); // more bytes than notified
                    } catch (IOException | RuntimeException e) {
                        writer.discard();
                        throw e;
                    }
                    return new Fetched(null, writer.finish());
                });
        if (fetched.refusal() != null) {
            throw JobFailure.answered(fetched.refusal(), abbreviate(fetched.refusal().text()));
        }
        MessageBytes.Stored content = fetched.content();
        byte[] notified;
        try {
            notified = ContentDigest.sha256Of(job.digest());
        } catch (ProtocolException e) {
            if (content != null) {
                bytes.discard(content);
            }
            throw new JobFailure("the notified digest is unusable", true);
        }
        if (content == null || content.size() != job.size() || !MessageDigest.isEqual(content.sha256(), notified)) {
            if (content != null) {
                bytes.discard(content);
            }
            throw new JobFailure("the fetched bytes do not match the notified size and digest", true);
        }
        Instant now = clock.instant();
        boolean kept;
        try {
            kept = Boolean.TRUE.equals(tx.execute(s -> {
                boolean stored = notices.move(job.notice(), NoticeState.STORED, true, null);
                if (stored) {
                    jdbc.sql("""
                            INSERT INTO message (id, notice, mailbox, sender, subject, size, received_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?)""")
                            .params(message, job.notice(), job.recipient(), job.sender(), job.subject(),
                                    content.size(), Timestamp.from(now))
                            .update();
                    bytes.keep(content);
                    if (job.senderProven()) {
                        // SMTP mail whose DMARC did not pass is no mark on the sender it claims (PROTOCOL.md 3.6)
                        reputation.record(job.sender(), Reputation.Event.FETCHED);
                    }
                    events.newMessage(job.recipient(), message);
                    jobs.enqueueStatus(job.notice(), "stored", now.plus(Duration.ofDays(2)));
                }
                jdbc.sql("UPDATE job SET done_at = ?, last_error = NULL WHERE id = ?").params(Timestamp.from(now), job.id())
                        .update();
                return stored;
            }));
        } catch (RuntimeException e) {
            bytes.discard(content);
            throw e;
        }
        if (!kept) {
            bytes.discard(content); // the notice was decided otherwise meanwhile
        }
    }

    /** A fetch's outcome: the sender's refusal, or the stored bytes (null when there were more than notified). */
    private record Fetched(PeerResponse refusal, MessageBytes.Stored content) {
    }

    private void reportStatus(Job job) throws JobFailure {
        URI url = URI.create(Pmp.statusUrl(job.fetchUrl()));
        guard(url, job);
        StatusReport.Status status = StatusReport.Status.valueOf(job.status().toUpperCase());
        StatusReport report = new StatusReport(job.reportedAddresses().stream()
                .map(address -> new StatusReport.RecipientStatus(address, status)).toList());
        PeerRequest request = keys.signer().request("POST", url, Map.of(
                "Authorization", Pmp.CAPABILITY_SCHEME + " " + job.token(),
                "Content-Type", Pmp.MEDIA_TYPE_JSON), PmpJson.write(report), SignatureProfile.STATUS);
        PeerResponse response = exchange(url, request, MAX_PROBLEM_BYTES);
        if (response.status() / 100 != 2) {
            throw JobFailure.answered(response, abbreviate(response.text()));
        }
        jdbc.sql("UPDATE job SET done_at = ?, last_error = NULL WHERE id = ?")
                .params(Timestamp.from(clock.instant()), job.id()).update();
    }

    private static List<String> others(Array addresses) throws SQLException {
        return addresses == null ? List.of() : List.of((String[]) addresses.getArray());
    }

    /** One exchange with the sender's domain, within its deadline, to addresses that passed the SSRF check. */
    private PeerResponse exchange(URI url, PeerRequest request, long maxBytes) throws JobFailure {
        return exchange(url, request, maxBytes, PeerClient.WHOLE_BODY);
    }

    /** The same, with the answer's body read as it arrives by {@code reader}. */
    private <T> T exchange(URI url, PeerRequest request, long maxBytes, PeerClient.BodyReader<T> reader)
            throws JobFailure {
        try {
            return http.exchange(request, maxBytes, reader);
        } catch (NonPublicAddressException e) {
            throw new JobFailure(e.getMessage(), true);
        } catch (IOException e) {
            throw new JobFailure("cannot reach " + url.getHost() + ": " + e, false);
        }
    }

    /**
     * SSRF guard (PROTOCOL.md 2.1, 8.2): a fetch or status URL lies on the sender domain's own origin
     * ({@code https://{domain}}, or its static entry's), whatever the notification said; the addresses
     * are checked, and the connection pinned to them, by the {@link PeerClient}.
     */
    private void guard(URI url, Job job) throws JobFailure {
        try {
            // mail bridged from SMTP is served by this domain's own bridge (PROTOCOL.md 3.6)
            discovery.requireOwnOrigin(job.bridged() ? pullmail.domain() : job.senderDomain(), url);
        } catch (ProtocolException e) {
            throw new JobFailure(e.detail(), true);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 2000 ? s.substring(0, 2000) : s;
    }
}
