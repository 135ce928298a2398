package org.pullmail.inbox.notification;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.inbox.fetch.JobQueue;
import org.pullmail.inbox.notification.IntakeLimits.Key;
import org.pullmail.inbox.notification.NotificationIntake.Arrival;
import org.pullmail.inbox.policy.SenderPolicy;
import org.pullmail.inbox.policy.SenderPolicy.Action;
import org.pullmail.inbox.policy.SenderPolicy.Decision;
import org.pullmail.inbox.reputation.BulkDetector;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.NotificationReceipt.Outcome;
import org.pullmail.protocol.NotificationReceipt.RecipientOutcome;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.TimeOrderedIds;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One batch of verified notifications stored in one transaction, each step one statement for the
 * whole batch (the hot path of intake, hence {@code JdbcClient} and arrays rather than entities):
 * <ol>
 * <li>the notifications, which finds repeats (answered with their first receipt);</li>
 * <li>every recipient's facts for the sender policy, the digests' bulk counts, the waiting requests of
 *     recipients whose mail would be held;</li>
 * <li>the intake counters, added for the batch; then each notification, in the order it arrived, is
 *     judged as if it had come alone: limits, policy, waiting requests; a refused one (429) is taken
 *     out again, with what it counted against its recipients;</li>
 * <li>reputation, notices, fetch jobs, request events and receipts, in one statement.</li>
 * </ol>
 * Nothing is answered before the commit.
 */
@Component
class IntakeBatch {

    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;
    private final SenderPolicy policy;
    private final IntakeLimits limits;
    private final BulkDetector bulk;
    private final ApplicationEventPublisher publisher;
    private final InboxProperties inbox;
    private final Clock clock;

    IntakeBatch(JdbcClient jdbc, PlatformTransactionManager transactions, SenderPolicy policy, IntakeLimits limits,
            BulkDetector bulk, ApplicationEventPublisher publisher, InboxProperties inbox, Clock clock) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
        this.policy = policy;
        this.limits = limits;
        this.bulk = bulk;
        this.publisher = publisher;
        this.inbox = inbox;
        this.clock = clock;
    }

    /** One notification of the batch as it is judged. */
    private static final class Entry {
        final Arrival first;
        final List<Arrival> repeats = new ArrayList<>();
        final UUID id = TimeOrderedIds.next();
        boolean stored;
        String receipt;
        ApiProblem refusal;
        final List<RecipientOutcome> outcomes = new ArrayList<>();

        Entry(Arrival first) {
            this.first = first;
        }

        Notification n() {
            return first.notification();
        }
    }

    private record Notice(UUID id, UUID notification, String recipient, String token, boolean fetch, String policy,
            Instant expiresAt, String tag, List<String> replyKeys, List<String> others) {
    }

    /**
     * One recipient address judged: the mailbox it belongs to, the tag it named, the reply keys its hints matched,
     * and the decision. A mailbox that one notification names by several addresses ({@code bob@} and
     * {@code bob+shop@}) gets the message once, decided as its most wanted address is (fetched, else held, else
     * refused): that address carries the copy and lists the {@code others}; each other one is {@code sameMailbox}
     * and shares its decision.
     */
    private record Judged(String mailbox, String tag, List<String> replyKeys, Decision decision, boolean sameMailbox,
            List<String> others) {

        boolean counts() {
            return decision.action() != Action.BLOCK && !sameMailbox;
        }

        /** How wanted the decision is: the address of a mailbox that ranks highest carries its copy. */
        int rank() {
            return switch (decision.action()) {
                case FETCH -> 2;
                case HOLD -> 1;
                case BLOCK -> 0;
            };
        }
    }

    /** Stores the batch and completes every arrival's answer after the commit; throws if the batch failed. */
    void write(List<Arrival> arrivals) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Arrival a : arrivals) {
            String key = a.notification().senderDomain() + '\n' + a.notification().id();
            Entry existing = entries.get(key);
            if (existing == null) {
                entries.put(key, new Entry(a));
            } else {
                existing.repeats.add(a);
            }
        }
        List<Entry> batch = List.copyOf(entries.values());
        transaction.executeWithoutResult(status -> store(batch, clock.instant()));
        for (Entry e : batch) {
            for (Arrival a : prepend(e.first, e.repeats)) {
                if (e.refusal != null) {
                    a.answer().completeExceptionally(e.refusal);
                } else {
                    a.answer().complete(e.receipt);
                }
            }
        }
    }

    /** A list as one text, space-separated; null when empty. */
    private static String spaced(List<String> items) {
        return items.isEmpty() ? null : String.join(" ", items);
    }

    private static List<Arrival> prepend(Arrival first, List<Arrival> rest) {
        List<Arrival> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private void store(List<Entry> batch, Instant now) {
        insertNotifications(batch, now);
        answerRepeats(batch);
        List<Entry> fresh = batch.stream().filter(e -> e.stored).toList();
        Map<Key, Integer> counts = new HashMap<>();
        for (Entry e : batch) {
            // address and domain count every notification that reaches them, repeats and refusals included
            for (Arrival a : prepend(e.first, e.repeats)) {
                counts.merge(new Key(IntakeLimits.SENDER_IP, a.clientAddress()), 1, Integer::sum);
                if (e.n().senderProven()) {
                    counts.merge(new Key(IntakeLimits.SENDER_DOMAIN, e.n().senderDomain()), 1, Integer::sum);
                }
            }
        }

        List<SenderPolicy.Pair> pairs = new ArrayList<>();
        for (Entry e : fresh) {
            e.n().recipients().forEach(r -> pairs.add(pairOf(r, e.n())));
        }
        Map<SenderPolicy.Pair, SenderPolicy.Facts> facts = pairs.isEmpty() ? Map.of() : policy.facts(pairs, now);
        Map<String, Long> bulkSoFar = fresh.isEmpty() ? new HashMap<>()
                : new HashMap<>(bulk.recipients(fresh.stream().map(e -> e.n().digest()).toList(), now));

        // the decisions do not depend on limits, so they are made first; limits are then counted for all
        Map<Entry, Map<String, Judged>> decisions = new HashMap<>();
        List<String> holding = new ArrayList<>();
        for (Entry e : fresh) {
            Notification n = e.n();
            long earlier = bulkSoFar.getOrDefault(n.digest(), 0L);
            boolean isBulk = earlier + n.recipients().size() >= inbox.bulk().recipients();
            Map<String, Judged> mine = judge(n, facts, isBulk);
            for (Judged j : mine.values()) {
                if (j.counts()) {
                    counts.merge(recipientKey(j), 1, Integer::sum);
                    if (j.decision().action() == Action.HOLD) {
                        holding.add(j.mailbox());
                    }
                }
            }
            decisions.put(e, mine);
            bulkSoFar.merge(n.digest(), mine.values().stream().filter(Judged::counts).count(), Long::sum);
        }
        Map<Key, Integer> tally = new HashMap<>(limits.add(counts, now));
        Map<String, Integer> pending = waitingRequests(holding);

        // each notification judged in the order it arrived, as if it had come alone
        InboxProperties.Limits max = inbox.limits();
        Map<Key, Integer> refunds = new HashMap<>();
        List<Notice> notices = new ArrayList<>();
        Map<String, long[]> reputations = new HashMap<>();
        for (Entry e : batch) {
            Notification n = e.n();
            Key domain = new Key(IntakeLimits.SENDER_DOMAIN, n.senderDomain());
            Key overKey = null;
            for (Arrival a : prepend(e.first, e.repeats)) {
                Key ip = new Key(IntakeLimits.SENDER_IP, a.clientAddress());
                if (tally.merge(ip, 1, Integer::sum) > max.perSenderIp() && overKey == null) {
                    overKey = ip;
                }
                // forged SMTP mail spends only its client's allowance (PROTOCOL.md 3.6), not the claimed domain's
                if (n.senderProven() && tally.merge(domain, 1, Integer::sum) > max.perSenderDomain() && overKey == null) {
                    overKey = domain;
                }
            }
            Map<String, Judged> mine = decisions.getOrDefault(e, Map.of());
            if (overKey != null) {
                // a repeat too: PROTOCOL.md 3.3 answers it from the stored receipt only once the limits let it in
                refuse(e, mine, overKey, overKey == domain ? max.perSenderDomain() : max.perSenderIp(), now, refunds);
                continue;
            }
            if (!e.stored) {
                continue; // a repeat within the limits: its first receipt
            }
            ApiProblem refusal = null;
            Map<String, Integer> heldHere = new HashMap<>();
            for (Judged j : mine.values()) {
                if (!j.counts()) {
                    continue;
                }
                Key k = recipientKey(j);
                int limit = max.perRecipient();
                if (tally.getOrDefault(k, 0) + 1 > limit) {
                    refusal = limits.refusal(k.scope(), limit, now);
                    break;
                }
                if (j.decision().action() == Action.HOLD
                        && pending.getOrDefault(j.mailbox(), 0) + heldHere.getOrDefault(j.mailbox(), 0) >= max.pendingPerRecipient()) {
                    refusal = new ApiProblem("rate-limited", HttpStatus.TOO_MANY_REQUESTS, "Too many requests",
                            "a recipient has too many requests waiting for a decision", Duration.ofHours(1));
                    break;
                }
                if (j.decision().action() == Action.HOLD) {
                    heldHere.merge(j.mailbox(), 1, Integer::sum);
                }
            }
            if (refusal != null) {
                e.refusal = refusal;
                refundAll(mine, refunds);
                continue;
            }
            // accepted: its recipients' allowances are used, and its notices written
            heldHere.forEach((address, held) -> pending.merge(address, held, Integer::sum));
            for (Notification.Recipient r : n.recipients()) {
                Judged j = mine.get(r.address());
                if (j == null) {
                    e.outcomes.add(new RecipientOutcome(r.address(), Outcome.UNKNOWN));
                } else if (j.decision().action() == Action.BLOCK) {
                    // a refusal costs the mailbox nothing: it does not count against the mailbox's intake
                    if (!j.sameMailbox() && n.senderProven()) {
                        reputations.computeIfAbsent(n.from(), s -> new long[2])[1]++;
                    }
                    e.outcomes.add(new RecipientOutcome(r.address(), Outcome.BLOCKED));
                } else if (j.sameMailbox()) {
                    // the mailbox has this message through another of its addresses in the same notification
                    e.outcomes.add(new RecipientOutcome(r.address(), Outcome.ACCEPTED));
                } else {
                    Decision d = j.decision();
                    tally.merge(recipientKey(j), 1, Integer::sum);
                    if (n.senderProven()) {
                        // a forged sender's mail is no mark on the real one's reputation
                        reputations.computeIfAbsent(n.from(), s -> new long[2])[0]++;
                    }
                    notices.add(new Notice(TimeOrderedIds.next(), e.id, j.mailbox(), r.token(),
                            d.action() == Action.FETCH, d.reason(), n.expiresAt(), j.tag(), j.replyKeys(), j.others()));
                    e.outcomes.add(new RecipientOutcome(r.address(), Outcome.ACCEPTED));
                }
            }
            e.receipt = PmpJson.writeString(new NotificationReceipt(n.id(), e.outcomes));
        }
        limits.subtract(refunds, now);
        List<UUID> refused = fresh.stream().filter(e -> e.refusal != null).map(e -> e.id).toList();
        if (!refused.isEmpty()) {
            // a refused notification is judged afresh when it is sent again
            jdbc.sql("DELETE FROM notification WHERE id = ANY (?::uuid[])")
                    .param(refused.stream().map(UUID::toString).toArray(String[]::new)).update();
        }
        writeAccepted(reputations, notices, fresh.stream().filter(e -> e.receipt != null).toList(), now);
    }

    /**
     * Each address of this domain the notification names, judged; a mailbox named twice gets one copy, through its
     * most wanted address (the first of them on a tie), which takes every reply key its addresses' hints matched.
     */
    private Map<String, Judged> judge(Notification n, Map<SenderPolicy.Pair, SenderPolicy.Facts> facts, boolean isBulk) {
        Map<String, Judged> judged = new LinkedHashMap<>();
        Map<String, String> carrier = new HashMap<>();
        Map<String, Set<String>> keys = new HashMap<>();
        for (Notification.Recipient r : n.recipients()) {
            SenderPolicy.Facts f = facts.get(pairOf(r, n));
            if (f == null || !f.mailboxExists()) {
                continue;
            }
            Judged j = new Judged(f.mailbox(), f.tag(), f.replyKeys(), policy.decide(f, isBulk,
                    n.bridged() == null || n.bridged().senderProven()), false, List.of());
            judged.put(r.address(), j);
            keys.computeIfAbsent(f.mailbox(), m -> new TreeSet<>()).addAll(f.replyKeys());
            String best = carrier.get(f.mailbox());
            if (best == null || j.rank() > judged.get(best).rank()) {
                carrier.put(f.mailbox(), r.address());
            }
        }
        if (carrier.size() == judged.size()) {
            return judged; // every mailbox named once
        }
        Map<String, Judged> combined = new LinkedHashMap<>();
        judged.forEach((address, j) -> {
            String at = carrier.get(j.mailbox());
            Judged best = judged.get(at);
            if (address.equals(at)) {
                List<String> others = judged.entrySet().stream()
                        .filter(o -> o.getValue().mailbox().equals(j.mailbox()) && !o.getKey().equals(address))
                        .map(Map.Entry::getKey).toList();
                combined.put(address, new Judged(j.mailbox(), j.tag(), List.copyOf(keys.get(j.mailbox())), j.decision(),
                        false, others));
            } else {
                combined.put(address, new Judged(j.mailbox(), j.tag(), List.of(), best.decision(), true, List.of()));
            }
        });
        return combined;
    }

    private static SenderPolicy.Pair pairOf(Notification.Recipient r, Notification n) {
        return new SenderPolicy.Pair(r.address(), n.from(), r.replyHints());
    }

    private static Key recipientKey(Judged j) {
        // mail the user wants at once (contacts, allowed senders) has an allowance of its own, which no
        // volume of strangers' mail can use up; a mailbox's tags count against the mailbox
        return new Key(j.decision().action() == Action.FETCH ? IntakeLimits.RECIPIENT_WANTED : IntakeLimits.RECIPIENT,
                j.mailbox());
    }

    private static void refundAll(Map<String, Judged> judged, Map<Key, Integer> refunds) {
        judged.values().stream().filter(Judged::counts).forEach(j -> refunds.merge(recipientKey(j), 1, Integer::sum));
    }

    private void refuse(Entry e, Map<String, Judged> judged, Key over, int limit, Instant now,
            Map<Key, Integer> refunds) {
        limits.over(over, now);
        e.refusal = limits.refusal(over.scope(), limit, now);
        refundAll(judged, refunds);
    }

    /** Inserts the batch's notifications in a fixed order (so concurrent batches cannot deadlock). */
    private void insertNotifications(List<Entry> batch, Instant now) {
        List<Entry> sorted = new ArrayList<>(batch);
        sorted.sort(Comparator.comparing((Entry e) -> e.n().senderDomain()).thenComparing(e -> e.n().id()));
        int size = sorted.size();
        String[] ids = new String[size];
        String[] domains = new String[size];
        String[] notificationIds = new String[size];
        String[] senders = new String[size];
        String[] subjects = new String[size];
        long[] sizes = new long[size];
        String[] digests = new String[size];
        String[] fetchUrls = new String[size];
        String[] sentAt = new String[size];
        String[] expiresAt = new String[size];
        String[] bridged = new String[size];
        for (int i = 0; i < size; i++) {
            Notification n = sorted.get(i).n();
            ids[i] = sorted.get(i).id.toString();
            domains[i] = n.senderDomain();
            notificationIds[i] = n.id();
            senders[i] = n.from();
            subjects[i] = n.subject();
            sizes[i] = n.size();
            digests[i] = n.digest();
            fetchUrls[i] = n.fetchUrl();
            sentAt[i] = n.sentAt().toString();
            expiresAt[i] = n.expiresAt().toString();
            bridged[i] = n.bridged() == null ? null : PmpJson.writeString(n.bridged());
        }
        Map<UUID, Entry> byId = new HashMap<>();
        batch.forEach(e -> byId.put(e.id, e));
        jdbc.sql("INSERT INTO notification (id, sender_domain, notification_id, sender, subject, size, digest,"
                + " fetch_url, sent_at, expires_at, bridged, received_at)"
                + " SELECT u.*, ? FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[],"
                + " ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::jsonb[]) AS u"
                + " ON CONFLICT (sender_domain, notification_id) DO NOTHING RETURNING id")
                .params(Timestamp.from(now), ids, domains, notificationIds, senders, subjects, sizes, digests, fetchUrls,
                        sentAt, expiresAt, bridged)
                .query((rs, i) -> byId.get(rs.getObject(1, UUID.class)).stored = true)
                .list();
    }

    /**
     * Repeats of notifications stored before get the first answer. The insert above waited for a copy
     * still in flight in another transaction to commit, receipt and all.
     */
    private void answerRepeats(List<Entry> batch) {
        List<Entry> repeats = batch.stream().filter(e -> !e.stored).toList();
        if (repeats.isEmpty()) {
            return;
        }
        Map<String, Entry> byKey = new HashMap<>();
        repeats.forEach(e -> byKey.put(e.n().senderDomain() + '\n' + e.n().id(), e));
        jdbc.sql("SELECT f.sender_domain, f.notification_id, r.receipt FROM notification f"
                + " JOIN notification_receipt r ON r.notification = f.id"
                + " JOIN unnest(?::text[], ?::text[]) AS u (sender_domain, notification_id)"
                + " ON f.sender_domain = u.sender_domain AND f.notification_id = u.notification_id")
                .params(repeats.stream().map(e -> e.n().senderDomain()).toArray(String[]::new),
                        repeats.stream().map(e -> e.n().id()).toArray(String[]::new))
                .query((rs, i) -> byKey.get(rs.getString(1) + '\n' + rs.getString(2)).receipt = rs.getString(3))
                .list();
        for (Entry e : repeats) {
            if (e.receipt == null) {
                throw new IllegalStateException("a stored notification without its receipt: " + e.n().id());
            }
        }
    }

    /** Requests waiting for each mailbox's decision, counted up to the limit (a flood never slows this). */
    private Map<String, Integer> waitingRequests(List<String> mailboxes) {
        Map<String, Integer> waiting = new HashMap<>();
        if (mailboxes.isEmpty()) {
            return waiting;
        }
        jdbc.sql("SELECT m.address, (SELECT count(*) FROM (SELECT 1 FROM notice"
                + " WHERE recipient = m.address AND state = 'requested' LIMIT ?) AS counted)"
                + " FROM unnest(?::text[]) AS m (address)")
                .params(inbox.limits().pendingPerRecipient(), mailboxes.stream().distinct().toArray(String[]::new))
                .query((rs, i) -> waiting.put(rs.getString(1), rs.getInt(2)))
                .list();
        return waiting;
    }

    /**
     * Everything the accepted notifications write, in one statement: the senders' reputation (for each
     * sender address and its domain, in key order so that concurrent batches cannot deadlock), the
     * notices, a fetch job for each notice fetched at once, an event for each new request, the receipts.
     * The hot path of intake: one round trip instead of five, so the SQL of these tables is written here.
     */
    private void writeAccepted(Map<String, long[]> reputations, List<Notice> notices, List<Entry> accepted,
            Instant now) {
        if (notices.isEmpty() && accepted.isEmpty() && reputations.isEmpty()) {
            return;
        }
        Map<String, long[]> senders = new TreeMap<>();
        reputations.forEach((sender, counts) -> {
            for (String row : List.of(sender, Addresses.domainOf(sender))) {
                long[] sum = senders.computeIfAbsent(row, r -> new long[2]);
                sum[0] += counts[0];
                sum[1] += counts[1];
            }
        });
        List<Notice> fetches = notices.stream().filter(Notice::fetch).toList();
        jdbc.sql("WITH reputation AS (INSERT INTO sender_reputation (sender, received, refused)"
                + "   SELECT * FROM unnest(?::text[], ?::bigint[], ?::bigint[])"
                + "   ON CONFLICT (sender) DO UPDATE SET received = sender_reputation.received + EXCLUDED.received,"
                + "   refused = sender_reputation.refused + EXCLUDED.refused, last_seen = now()),"
                + " notices AS (INSERT INTO notice (id, notification, recipient, token, state, created_at, policy, tag,"
                + "   reply_keys, other_addresses, held)"
                // lists go as space-separated text: neither reply keys (base64url) nor addresses hold a space
                + "   SELECT u.id, u.notification, u.recipient, u.token, u.state, ?, u.policy, u.tag,"
                + "   string_to_array(u.reply_keys, ' '), string_to_array(u.others, ' '), u.state = 'requested'"
                + "   FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],"
                + "   ?::text[]) AS u (id, notification, recipient, token, state, policy, tag, reply_keys, others)"
                + "   RETURNING id, recipient, state),"
                + " jobs AS (INSERT INTO job (id, notice, kind, next_attempt_at, give_up_at)"
                + "   SELECT u.id, n.id, 'fetch', ?, u.give_up"
                + "   FROM unnest(?::uuid[], ?::uuid[], ?::timestamptz[]) AS u (id, notice, give_up)"
                + "   JOIN notices n ON n.id = u.notice),"
                + " events AS (INSERT INTO mailbox_event (mailbox, type, subject_id)"
                + "   SELECT recipient, 'request', id FROM notices WHERE state = 'requested'),"
                + " receipts AS (INSERT INTO notification_receipt (notification, receipt)"
                + "   SELECT * FROM unnest(?::uuid[], ?::text[]))"
                + " SELECT count(*) FROM notices")
                .params(senders.keySet().toArray(String[]::new),
                        senders.values().stream().mapToLong(c -> c[0]).toArray(),
                        senders.values().stream().mapToLong(c -> c[1]).toArray(),
                        Timestamp.from(now),
                        notices.stream().map(x -> x.id().toString()).toArray(String[]::new),
                        notices.stream().map(x -> x.notification().toString()).toArray(String[]::new),
                        notices.stream().map(Notice::recipient).toArray(String[]::new),
                        notices.stream().map(Notice::token).toArray(String[]::new),
                        notices.stream().map(x -> x.fetch() ? "fetching" : "requested").toArray(String[]::new),
                        notices.stream().map(Notice::policy).toArray(String[]::new),
                        notices.stream().map(Notice::tag).toArray(String[]::new),
                        notices.stream().map(x -> spaced(x.replyKeys())).toArray(String[]::new),
                        notices.stream().map(x -> spaced(x.others())).toArray(String[]::new),
                        Timestamp.from(now),
                        fetches.stream().map(x -> TimeOrderedIds.next().toString()).toArray(String[]::new),
                        fetches.stream().map(x -> x.id().toString()).toArray(String[]::new),
                        // fetched now, on delivery, never when the user opens it (PROTOCOL.md 8.4); a job outlives
                        // a notification that expired meanwhile by an hour, to report it
                        fetches.stream().map(x -> (x.expiresAt().isAfter(now) ? x.expiresAt() : now.plusSeconds(3600))
                                .toString()).toArray(String[]::new),
                        accepted.stream().map(e -> e.id.toString()).toArray(String[]::new),
                        accepted.stream().map(e -> e.receipt).toArray(String[]::new))
                .query(Long.class).single();
        if (!fetches.isEmpty()) {
            // the fetch workers start as soon as the transaction commits
            publisher.publishEvent(new JobQueue.JobsQueued());
        }
    }
}
