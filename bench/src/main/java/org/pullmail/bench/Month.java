package org.pullmail.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.testing.PeerDomains;

import tools.jackson.databind.JsonNode;

/**
 * The month itself: what is sent when (planned up front from the seeded generator), the people's looks at their
 * mail on the compressed clock, their decisions and answers, and the truth each delivery is labelled with.
 *
 * <p>Each person looks at their mail every few simulated hours while awake (07:00 to 22:00): they accept the
 * requests they want and decline the others as spam, report as spam any unwanted mail that was fetched without
 * them, and answer the messages their thread says they answer, some simulated hours after they read them.
 */
final class Month {

    static final List<String> BAD_DOMAINS = List.of("pharma-deals.test", "prize-center.test", "crypto-yield.test");
    /** Newsletter senders and the tag a subscriber gives each. */
    static final Map<String, String> NEWSLETTERS = Map.of("news@shop.test", "shop", "digest@weekly.test", "weekly");
    static final List<String> PEOPLE_DOMAINS = List.of("university.test", "recruiting.test", "conference.test",
            "neighbours.test");

    private static final List<String> WORK = List.of("Minutes of Monday's meeting", "Budget for the next quarter",
            "Draft of the proposal", "Can you review this?", "Lunch on Thursday", "Travel plans", "The release date",
            "Numbers for the report", "New starter next week", "Slides for the review", "Holiday rota", "Office move");
    private static final List<String> EXTERNAL = List.of("Our contract renewal", "Invoice 2291", "Joint workshop",
            "Your order of parts", "Meeting next week", "Data exchange format", "Delivery schedule", "Question on the API",
            "Conference panel", "Shared project plan");
    private static final List<String> COLD = List.of("Introduction: a question about your paper", "A role you may like",
            "Speaking at our conference?", "Your garden fence", "Found your wallet", "Request for a short interview");
    private static final List<String> SPAM = List.of("Cheap meds, 90% off", "You have won a prize!",
            "Double your coins in 24 hours", "Your account needs verification", "Exclusive offer inside");
    private static final DateTimeFormatter RFC_5322 = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
    private static final Pattern MESSAGE_ID = Pattern.compile("<[^<>\\s]+>");

    private final SimulationSettings settings;
    private final Town town;
    private final PeerDomains fakes;
    private final Random random;
    private final ScheduledExecutorService pool = Executors.newScheduledThreadPool(16);
    private final SimClock clock;
    private volatile boolean over;

    final List<Mail> mails = new CopyOnWriteArrayList<>();
    private final Map<Integer, Mail> byNumber = new ConcurrentHashMap<>();
    private final AtomicInteger numbers = new AtomicInteger();
    /** Labels are read and relations changed under this lock, in the order messages are sent. */
    private final Object truth = new Object();
    private final AtomicInteger errors = new AtomicInteger();
    final AtomicLong maxLateMillis = new AtomicLong();
    final AtomicLong tasks = new AtomicLong();
    final AtomicLong lateTasks = new AtomicLong();
    final AtomicLong looks = new AtomicLong();
    final AtomicLong lookNanos = new AtomicLong();
    /** Replies go as complete RFC 5322 messages when the outbox does not take {@code in_reply_to}. */
    private volatile boolean repliesAsRaw;

    Month(SimulationSettings settings, Town town, PeerDomains fakes) {
        this.settings = settings;
        this.town = town;
        this.fakes = fakes;
        this.random = new Random(settings.seed());
        this.clock = new SimClock(settings.secondsPerDay());
    }

    static List<String> fakeDomains() {
        List<String> domains = new ArrayList<>(BAD_DOMAINS);
        NEWSLETTERS.keySet().forEach(sender -> domains.add(Addresses.domainOf(sender)));
        domains.addAll(PEOPLE_DOMAINS);
        return domains;
    }

    double end() {
        return settings.days() * 24.0;
    }

    /** Runs the month and the morning after it, when everyone decides what still waits. */
    void run() throws Exception {
        probeReplies();
        plan();
        while (clock.hours() < end()) {
            Thread.sleep(200);
        }
        over = true;
        pool.shutdown();
        if (!pool.awaitTermination(3, TimeUnit.MINUTES)) {
            MailMonth.log("some of the month's tasks were still running after 3 minutes");
            pool.shutdownNow();
        }
        MailMonth.log("the month is over (" + mails.size() + " messages); the last looks");
        Thread.sleep(3000); // notifications and fetches still under way
        everyone(true);
        // what was accepted is fetched now: wait for it (bounded), then look once more without deciding
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < until && mails.stream().flatMap(m -> m.deliveries.values().stream())
                .anyMatch(d -> "accepted".equals(d.decision) && !d.inMailbox())) {
            Thread.sleep(1000);
            everyone(false);
        }
        everyone(false);
        if (errors.get() > 0) {
            MailMonth.log(errors.get() + " tasks failed (the first ones are logged above)");
        }
    }

    /** Everyone looks at their mail once, a few at a time. */
    private void everyone(boolean decide) throws Exception {
        ExecutorService looks = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (Person person : town.people) {
                done.add(looks.submit(() -> look(person, decide)));
            }
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            looks.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ the plan

    /** Plans the whole month from the seeded generator and schedules it. */
    private void plan() {
        double scale = settings.days() / 30.0;
        List<Person> all = town.people;
        Set<String> compromisedKnows = new HashSet<>();
        // colleagues: on working days, most people write to one colleague or none, some to two
        for (int day = 0; day < settings.days(); day++) {
            if (!workday(day)) {
                continue;
            }
            for (Person person : all) {
                double r = random.nextDouble();
                int count = r < 0.55 ? 0 : r < 0.95 ? 1 : 2;
                for (int i = 0; i < count; i++) {
                    List<Person> colleagues = town.colleagues(person);
                    Person to = pick(colleagues);
                    List<String> cc = new ArrayList<>();
                    if (random.nextDouble() < 0.25) {
                        colleagues.remove(to);
                        cc.add(pick(colleagues).address);
                    }
                    List<Mail.Reply> replies = new ArrayList<>();
                    if (random.nextDouble() < 0.4) {
                        replies.add(Mail.Reply.by(to));
                        if (random.nextDouble() < 0.3) {
                            replies.add(Mail.Reply.by(person));
                        }
                    }
                    schedule(day * 24 + 8 + random.nextDouble() * 10, mail(Mail.Category.COLLEAGUE, person.address,
                            List.of(to.address), cc, pick(WORK), replies));
                }
            }
        }
        // threads with people of other domains: A writes first, B answers, they go on for two to five messages
        for (int i = 0; i < Math.round(50 * scale); i++) {
            Person a = pick(all);
            Person b = pick(elsewhere(a.domain));
            int length = 2 + random.nextInt(4);
            List<Mail.Reply> replies = new ArrayList<>();
            for (int k = 1; k < length; k++) {
                replies.add(Mail.Reply.by(k % 2 == 1 ? b : a));
            }
            Mail first = mail(Mail.Category.THREAD, a.address, List.of(b.address), List.of(), pick(EXTERNAL), replies);
            note(compromisedKnows, a, b);
            schedule(workingHour(0, settings.days() - 1), first);
        }
        // A writes to B, Cc C, a stranger to A (C is mostly B's colleague); C answers all, and A sometimes answers them
        for (int i = 0; i < Math.round(8 * scale); i++) {
            Person a = pick(all);
            Person b = pick(elsewhere(a.domain));
            Person c = random.nextDouble() < 0.6 ? pick(town.colleagues(b)) : pick(third(a.domain, b.domain));
            List<Mail.Reply> replies = new ArrayList<>(List.of(new Mail.Reply(c, true, null)));
            if (random.nextBoolean()) {
                replies.add(new Mail.Reply(a, true, null));
            }
            note(compromisedKnows, a, b, c);
            schedule(workingHour(0, settings.days() - 1), mail(Mail.Category.CC_REPLY, a.address, List.of(b.address),
                    List.of(c.address), pick(EXTERNAL), replies));
        }
        // A writes to B; B answers, Cc C, whom A never wrote to; C answers all (A among them)
        for (int i = 0; i < Math.round(8 * scale); i++) {
            Person a = pick(all);
            Person b = pick(elsewhere(a.domain));
            Person c = random.nextBoolean() ? pick(town.colleagues(b)) : pick(third(a.domain, b.domain));
            List<Mail.Reply> replies = List.of(new Mail.Reply(b, false, c), new Mail.Reply(c, true, null));
            note(compromisedKnows, a, b, c);
            schedule(workingHour(0, settings.days() - 1), mail(Mail.Category.CC_BY_RECIPIENT, a.address,
                    List.of(b.address), List.of(), pick(EXTERNAL), replies));
        }
        // newsletters: six people subscribe to each in the first days (a tag each, where tags exist); an issue a week
        int offset = 2;
        for (String sender : List.of("news@shop.test", "digest@weekly.test")) {
            List<Person> readers = new ArrayList<>(all);
            Collections.shuffle(readers, random);
            for (Person reader : readers.subList(0, 6)) {
                double at = random.nextInt(Math.min(2, settings.days())) * 24 + 8 + random.nextDouble() * 12;
                at(at, () -> subscribe(reader, sender));
            }
            for (int day = offset; day < settings.days(); day += 7) {
                at(day * 24 + 7, () -> newsletterIssue(sender));
            }
            offset += 2;
        }
        // cold first contacts: someone of another organisation writes once, and is wanted
        for (int i = 0; i < Math.round(30 * scale); i++) {
            String domain = pick(PEOPLE_DOMAINS);
            String sender = pick(List.of("jane", "omar", "li", "maria", "tom", "ines")) + "." + (100 + i) + "@" + domain;
            Person to = pick(all);
            Mail mail = mail(Mail.Category.COLD_CONTACT, sender, List.of(to.address), List.of(), pick(COLD), List.of());
            at(workingHour(0, settings.days()), () -> sendFromFake(mail, to.address));
        }
        // spam campaigns of bad domains: the same message to twenty people at once, at any hour
        for (String domain : BAD_DOMAINS) {
            for (int i = 0; i < Math.max(1, Math.round(3 * scale)); i++) {
                List<Person> targets = new ArrayList<>(all);
                Collections.shuffle(targets, random);
                String sender = pick(List.of("offers", "winner", "support", "info")) + "@" + domain;
                Mail mail = mail(Mail.Category.SPAM_CAMPAIGN, sender,
                        targets.subList(0, 20).stream().map(p -> p.address).toList(), List.of(), pick(SPAM), List.of());
                at(random.nextInt(settings.days()) * 24 + random.nextDouble() * 24,
                        () -> sendFromFake(mail, "undisclosed-recipients:;"));
            }
        }
        // a compromised account of gamma.test: at night, spam to thirty people of alpha.test and beta.test it
        // never exchanged mail with, ten in each message (one in To, nine in Bcc)
        Person compromised = town.person(Town.COMPROMISED);
        List<Person> strangers = new ArrayList<>(town.byDomain.get(SimulatedDomains.ALPHA));
        strangers.addAll(town.byDomain.get(SimulatedDomains.BETA));
        strangers.removeIf(p -> compromisedKnows.contains(p.address));
        Collections.shuffle(strangers, random);
        List<Person> targets = strangers.subList(0, Math.min(30, strangers.size()));
        double night = (settings.days() * 2 / 3) * 24 + 2;
        String spam = pick(SPAM);
        for (int i = 0; i < targets.size(); i += 10) {
            List<String> group = targets.subList(i, Math.min(targets.size(), i + 10)).stream().map(p -> p.address).toList();
            schedule(night + i / 10 * 0.2, mail(Mail.Category.COMPROMISED_SPAM, compromised.address, group.subList(0, 1),
                    List.of(), group.subList(1, group.size()), spam, List.of()));
        }
        // everyone looks at their mail every few hours while awake, each at their own minutes
        for (Person person : all) {
            double phase = random.nextDouble() * settings.checkHours();
            at(7 + phase, () -> looksAt(person, 7 + phase, phase));
        }
        MailMonth.log("planned: " + mails.size() + " first messages (answers follow as people read them)");
    }

    /** The people a conversation involves; the compromised account never writes to any of its own contacts. */
    private static void note(Set<String> compromisedKnows, Person... people) {
        for (Person p : people) {
            if (p.address.equals(Town.COMPROMISED)) {
                for (Person q : people) {
                    compromisedKnows.add(q.address);
                }
            }
        }
    }

    private Mail mail(Mail.Category category, String from, List<String> to, List<String> cc, String topic,
            List<Mail.Reply> replies) {
        return mail(category, from, to, cc, List.of(), topic, replies);
    }

    private Mail mail(Mail.Category category, String from, List<String> to, List<String> cc, List<String> bcc,
            String topic, List<Mail.Reply> replies) {
        Mail mail = new Mail(numbers.incrementAndGet(), category, from, to, cc, bcc, topic,
                text(category), null, replies);
        register(mail);
        return mail;
    }

    private void register(Mail mail) {
        mails.add(mail);
        byNumber.put(mail.number, mail);
    }

    private static String text(Mail.Category category) {
        return switch (category) {
            case SPAM_CAMPAIGN, COMPROMISED_SPAM -> "Click here: http://example.invalid/offer - limited time only!";
            case NEWSLETTER -> "This week's news and offers. Unsubscribe at any time.";
            default -> "Hello,\r\n\r\nsome words a person would write.\r\n\r\nBest regards";
        };
    }

    private void schedule(double at, Mail mail) {
        at(at, () -> send(mail));
    }

    /** Runs {@code task} at the simulated hour {@code at}; a task that fails is logged and counted. */
    private void at(double at, Runnable task) {
        try {
            pool.schedule(() -> {
                long late = clock.millisPast(at);
                tasks.incrementAndGet();
                if (late > 1000) {
                    lateTasks.incrementAndGet();
                }
                maxLateMillis.accumulateAndGet(late, Math::max);
                try {
                    task.run();
                } catch (RuntimeException e) {
                    if (errors.incrementAndGet() <= 10) {
                        MailMonth.log("a task failed: " + e);
                    }
                }
            }, clock.millisUntil(at), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the month is over
        }
    }

    /** A person's look at their mail, then the next one: every few hours from 07:00, none after 22:00. */
    private void looksAt(Person person, double at, double phase) {
        look(person, true);
        double next = at + settings.checkHours();
        if (next % 24 > 22) {
            next = Math.floor(next / 24 + 1) * 24 + 7 + phase;
        }
        double then = next;
        if (then < end() && !over) {
            at(then, () -> looksAt(person, then, phase));
        }
    }

    private static boolean workday(int day) {
        return day % 7 < 5;
    }

    /** A random moment of working hours (08:00 to 18:00) on a working day in [from, to). */
    private double workingHour(int from, int to) {
        int day;
        do {
            day = from + random.nextInt(Math.max(1, to - from));
        } while (!workday(day) && to - from > 2);
        return day * 24 + 8 + random.nextDouble() * 10;
    }

    private List<Person> elsewhere(String domain) {
        return town.people.stream().filter(p -> !p.domain.equals(domain)).toList();
    }

    private List<Person> third(String one, String two) {
        return town.people.stream().filter(p -> !p.domain.equals(one) && !p.domain.equals(two)).toList();
    }

    private <T> T pick(List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    // ------------------------------------------------------------------ the truth

    /**
     * What ties the recipient to the sender of {@code mail} when it is sent, or null: then the delivery is a true
     * first contact. Tied: the same domain, the recipient wrote to the sender or accepted their mail before,
     * trusts the sender's domain (or their organisation does: a partner), subscribed to them, or the message
     * answers a message the recipient sent, directly or further up the thread.
     */
    static String tie(Person recipient, Mail mail) {
        String domain = Addresses.domainOf(mail.from);
        if (recipient.domain.equals(domain)) {
            return "a colleague";
        }
        if (mail.inThreadOf(recipient.address)) {
            return "answers the recipient's own mail";
        }
        if (recipient.wroteTo.contains(mail.from)) {
            return "the recipient wrote to the sender";
        }
        if (recipient.subscriptions.containsKey(mail.from)) {
            return "the recipient subscribed";
        }
        if (recipient.trustedDomains.contains(domain)) {
            return "the recipient or their organisation trusts the domain";
        }
        if (recipient.acceptedFrom.contains(mail.from)) {
            return "the recipient accepted the sender's mail before";
        }
        return null;
    }

    /** Labels each copy as it is sent, and notes whom the sender wrote to. */
    private void label(Mail mail) {
        synchronized (truth) {
            mail.sentHours = clock.hours();
            mail.sentWall = Instant.now();
            List<String> addressed = new ArrayList<>(mail.to);
            addressed.addAll(mail.cc);
            addressed.addAll(mail.bcc);
            for (String address : addressed) {
                Person recipient = town.person(mailbox(address));
                if (recipient != null && !recipient.address.equals(mail.from)) {
                    String tie = tie(recipient, mail);
                    Delivery delivery = new Delivery(mail, recipient, address, mail.wanted() && tie == null, tie);
                    mail.deliveries.put(recipient.address, delivery);
                    recipient.deliveries.add(delivery);
                }
            }
            Person sender = town.person(mail.from);
            if (sender != null) {
                sender.wroteTo.addAll(addressed);
            }
        }
    }

    /** The mailbox an address reaches: a tagged address ({@code bob+shop@beta.test}) is its user's. */
    static String mailbox(String address) {
        if (!address.contains("@")) {
            return address;
        }
        String local = address.substring(0, address.indexOf('@'));
        int plus = local.indexOf('+');
        return (plus < 0 ? local : local.substring(0, plus)) + address.substring(address.indexOf('@'));
    }

    // ------------------------------------------------------------------ sending

    /**
     * Checks once, before the month, whether the outbox takes {@code in_reply_to}: alice answers a made-up
     * message of her own. If it does not, replies go as complete RFC 5322 messages with In-Reply-To and
     * References, as a mail program would send them.
     */
    private void probeReplies() {
        Person alice = town.people.get(0);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("to", List.of(alice.address));
        body.put("subject", "Reply probe");
        body.put("text", "does the outbox take in_reply_to?");
        body.put("in_reply_to", "<probe-" + System.nanoTime() + "@" + alice.domain + ">");
        SimulationApi.Answer sent = alice.postJson("/api/v1/outbox/messages", body);
        boolean taken = false;
        if (sent.ok()) {
            SimulationApi.Answer raw = alice.get("/api/v1/outbox/messages/" + sent.json().get("id").asString() + "/raw");
            taken = raw.ok() && headers(raw.body()).containsKey("in-reply-to");
        }
        if (taken) {
            SimulationApi.present("in_reply_to on the outbox API");
        } else {
            SimulationApi.missing("in_reply_to on the outbox API", sent.ok() ? "the sent message has no In-Reply-To"
                    : "answers " + sent.status() + "; replies go as RFC 5322 messages with In-Reply-To");
            repliesAsRaw = true;
        }
    }

    /** Sends a real user's message through their domain's outbox. */
    private void send(Mail mail) {
        Person sender = town.person(mail.from);
        label(mail);
        SimulationApi.Answer answer = mail.answers != null && repliesAsRaw ? sendRaw(sender, mail) : sendJson(sender, mail);
        if (answer.ok()) {
            mail.outboxId = answer.json().get("id").asString();
        } else {
            mail.sendFailure = answer.status() + " " + answer.body();
            if (errors.incrementAndGet() <= 10) {
                MailMonth.log("sending " + mail.subject() + " from " + mail.from + " failed: " + mail.sendFailure);
            }
        }
    }

    private SimulationApi.Answer sendJson(Person sender, Mail mail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("to", mail.to);
        if (!mail.cc.isEmpty()) {
            body.put("cc", mail.cc);
        }
        if (!mail.bcc.isEmpty()) {
            body.put("bcc", mail.bcc);
        }
        body.put("subject", mail.subject());
        body.put("text", mail.text);
        if (mail.answers != null) {
            body.put("in_reply_to", mail.answers.messageId);
            body.put("references", mail.answers.references);
        }
        return sender.postJson("/api/v1/outbox/messages", body);
    }

    private SimulationApi.Answer sendRaw(Person sender, Mail mail) {
        StringBuilder raw = new StringBuilder();
        raw.append("From: ").append(mail.from).append("\r\n");
        raw.append("To: ").append(String.join(", ", mail.to)).append("\r\n");
        if (!mail.cc.isEmpty()) {
            raw.append("Cc: ").append(String.join(", ", mail.cc)).append("\r\n");
        }
        raw.append("Subject: ").append(mail.subject()).append("\r\n");
        List<String> references = new ArrayList<>(mail.answers.references);
        references.add(mail.answers.messageId);
        raw.append("In-Reply-To: ").append(mail.answers.messageId).append("\r\n");
        raw.append("References: ").append(String.join("\r\n ", references)).append("\r\n");
        raw.append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n").append(mail.text).append("\r\n");
        return sender.call("POST", "/api/v1/outbox/messages", "message/rfc822", raw.toString());
    }

    /** A fake sender domain notifies each recipient domain once (one notification listing its recipients). */
    private void sendFromFake(Mail mail, String toHeader) {
        label(mail);
        PeerDomains.Peer peer = fakes.peer(Addresses.domainOf(mail.from));
        Map<String, List<Delivery>> byDomain = new LinkedHashMap<>();
        mail.deliveries.values().forEach(d -> byDomain.computeIfAbsent(d.recipient.domain, k -> new ArrayList<>()).add(d));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        byte[] bytes = ("From: " + mail.from + "\r\nTo: " + toHeader + "\r\nSubject: " + mail.subject() + "\r\nDate: "
                + RFC_5322.format(now) + "\r\nMessage-ID: <m" + mail.number + "." + System.nanoTime() + "@"
                + peer.domain + ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + mail.text
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
        for (Map.Entry<String, List<Delivery>> group : byDomain.entrySet()) {
            String id = "m" + mail.number + "-" + group.getKey().charAt(0) + "-" + System.nanoTime();
            peer.fetchAnswers.put(id, new PeerDomains.Answer(200, Pmp.MEDIA_TYPE_MESSAGE,
                    new String(bytes, StandardCharsets.US_ASCII), Map.of()));
            List<Notification.Recipient> recipients = group.getValue().stream()
                    .map(d -> new Notification.Recipient(d.addressedTo, capability())).toList();
            Notification notification = new Notification(id, mail.from, recipients, mail.subject(), bytes.length,
                    ContentDigest.sha256(bytes), peer.base() + Pmp.FETCH_PATH + "/" + id, now, now.plus(Duration.ofDays(7)));
            URI notify = URI.create(SimulatedDomains.url(group.getKey()) + Pmp.NOTIFY_PATH);
            SimulationApi.Answer answer = SimulationApi.send(peer.signed("POST", notify, PmpJson.write(notification),
                    SignatureProfile.NOTIFICATION, Map.of("Content-Type", "application/json"), peer.signer()).build());
            for (Delivery d : group.getValue()) {
                d.intake = answer.ok() ? outcome(answer.json(), d.addressedTo) : "refused " + answer.status();
            }
        }
    }

    private static String outcome(JsonNode receipt, String address) {
        for (JsonNode r : receipt.path("recipients")) {
            if (address.equals(r.path("address").asString())) {
                return r.path("outcome").asString();
            }
        }
        return "absent from the receipt";
    }

    private static String capability() {
        byte[] token = new byte[32];
        new SecureRandom().nextBytes(token);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(token);
    }

    /** The person subscribes to a newsletter: with a tag of their own where tags exist, else their address. */
    private void subscribe(Person person, String sender) {
        String tag = NEWSLETTERS.get(sender);
        SimulationApi.Answer created = person.postJson("/api/v1/inbox/tags", Map.of("tag", tag));
        String address = person.address;
        if (SimulationApi.feature("tags (POST /api/v1/inbox/tags)", created) || created.status() == 409) {
            JsonNode given = created.ok() ? created.json().get("address") : null;
            address = given != null && !given.isNull() && !given.asString().isBlank() ? given.asString()
                    : person.local() + "+" + tag + "@" + person.domain;
        }
        synchronized (truth) {
            person.subscriptions.put(sender, address);
        }
        Mail welcome = mail(Mail.Category.NEWSLETTER, sender, List.of(address), List.of(), "Welcome to our newsletter",
                List.of());
        at(clock.hours() + 0.5, () -> sendFromFake(welcome, welcome.to.get(0)));
    }

    private void newsletterIssue(String sender) {
        for (Person reader : town.people) {
            String address = reader.subscriptions.get(sender);
            if (address != null) {
                Mail issue = mail(Mail.Category.NEWSLETTER, sender, List.of(address), List.of(), "This week's news",
                        List.of());
                sendFromFake(issue, address);
            }
        }
    }

    // ------------------------------------------------------------------ looking at the mail

    /**
     * A person looks at their requests and their mailbox. Deciding, they accept what they want and decline the
     * rest as spam (blocking a bad domain now and then), report fetched unwanted mail as spam, and plan their
     * answers; otherwise they only note what they see.
     */
    void look(Person person, boolean decide) {
        if (!person.expectsMail()) {
            return;
        }
        long began = System.nanoTime();
        try {
            lookAt(person, decide);
        } finally {
            looks.incrementAndGet();
            lookNanos.addAndGet(System.nanoTime() - began);
        }
    }

    private void lookAt(Person person, boolean decide) {
        synchronized (person.looking) {
            Instant looked = Instant.now();
            for (JsonNode request : list(person, "/api/v1/inbox/requests", "requests", null)) {
                Delivery d = delivery(person, request.path("subject").asString());
                if (d == null) {
                    continue;
                }
                d.held = true;
                d.heldBy = request.path("policy").asString();
                if (decide && d.decision == null) {
                    decide(person, d, request.path("id").asString());
                }
            }
            // the mailbox is listed newest first; what was stored well before the last look was seen then
            Instant since = person.lastLook == null ? null : person.lastLook.minusSeconds(30);
            person.lastLook = looked;
            for (JsonNode message : list(person, "/api/v1/inbox/messages", "messages", since)) {
                String id = message.path("id").asString();
                Delivery d = delivery(person, message.path("subject").asString());
                if (d == null || !person.seenMessages.add(id)) {
                    continue;
                }
                d.inboxId = id;
                d.storedAt = Instant.parse(message.path("received_at").asString());
                if (!decide) {
                    continue;
                }
                if (!d.mail.wanted() && d.decision == null) {
                    SimulationApi.Answer reported = person.postJson("/api/v1/inbox/messages/" + id + "/spam", Map.of());
                    d.decided(reported.ok() ? "reported_as_spam" : "report_failed " + reported.status(), clock.hours());
                } else if (d.mail.wanted()) {
                    answer(person, d);
                }
            }
        }
    }

    private void decide(Person person, Delivery d, String request) {
        if (d.mail.wanted()) {
            SimulationApi.Answer accepted = person.call("POST", "/api/v1/inbox/requests/" + request + "/accept", null, null);
            if (accepted.ok()) {
                d.decided("accepted", clock.hours());
                synchronized (truth) {
                    person.acceptedFrom.add(d.mail.from);
                }
            }
            return;
        }
        Map<String, Object> decline = new LinkedHashMap<>();
        decline.put("reason", "spam");
        // a person blocks an obvious spam domain now and then; a known domain's hijacked account only by address
        double r = new Random(settings.seed() * 31 + d.mail.number * 131L + person.address.hashCode()).nextDouble();
        if (d.mail.category == Mail.Category.SPAM_CAMPAIGN && r < 0.5) {
            decline.put("block", "domain");
        } else if (d.mail.category == Mail.Category.COMPROMISED_SPAM && r < 0.3) {
            decline.put("block", "address");
        }
        SimulationApi.Answer declined = person.postJson("/api/v1/inbox/requests/" + request + "/decline", decline);
        if (declined.ok()) {
            d.decided("declined_as_spam", clock.hours());
        }
    }

    /**
     * The person answers the message if the thread says they do: they read its Message-ID and References from
     * their copy, and answer some simulated hours later (the next morning when it is late).
     */
    private void answer(Person person, Delivery d) {
        Mail mail = d.mail;
        if (over || mail.replies.isEmpty() || mail.replies.get(0).by() != person || !mail.answered.compareAndSet(false, true)) {
            return;
        }
        SimulationApi.Answer raw = person.get("/api/v1/inbox/messages/" + d.inboxId + "/raw");
        Map<String, String> headers = raw.ok() ? headers(raw.body()) : Map.of();
        String messageId = ids(headers.get("message-id")).stream().findFirst().orElse(null);
        if (messageId == null) {
            if (errors.incrementAndGet() <= 10) {
                MailMonth.log("no Message-ID in " + person + "'s copy of " + mail.subject() + " (" + raw.status() + ")");
            }
            return;
        }
        mail.messageId = messageId;
        mail.references = ids(headers.get("references"));
        Random r = new Random(settings.seed() * 1_000_003L + mail.number);
        double at = clock.hours() + 0.5 + r.nextDouble() * 5.5;
        if (at % 24 >= 22 || at % 24 < 7) {
            at = Math.floor(at / 24 + (at % 24 >= 22 ? 1 : 0)) * 24 + 8 + r.nextDouble() * 2;
        }
        if (at >= end()) {
            return;
        }
        Mail.Reply step = mail.replies.get(0);
        List<String> cc = new ArrayList<>();
        if (step.toAll()) {
            List<String> everyone = new ArrayList<>(mail.to);
            everyone.addAll(mail.cc);
            everyone.stream().map(Month::mailbox).filter(a -> !a.equals(person.address) && !a.equals(mail.from))
                    .forEach(cc::add);
        }
        if (step.addCc() != null) {
            cc.add(step.addCc().address);
        }
        Mail reply = new Mail(numbers.incrementAndGet(), mail.category, person.address, List.of(mail.from), cc, List.of(),
                mail.topic, text(mail.category), mail, mail.replies.subList(1, mail.replies.size()));
        register(reply);
        at(at, () -> send(reply));
    }

    private Delivery delivery(Person person, String subject) {
        Mail mail = byNumber.get(Mail.numberIn(subject));
        return mail == null ? null : mail.deliveries.get(person.address);
    }

    /**
     * The entries of a list endpoint, page by page: all of them, or (a list newest first by {@code received_at})
     * until a page reaches back before {@code since}.
     */
    private List<JsonNode> list(Person person, String path, String field, Instant since) {
        List<JsonNode> entries = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 100; page++) {
            SimulationApi.Answer answer = person.get(path + "?limit=50" + (cursor == null ? "" : "&cursor=" + cursor));
            if (!answer.ok()) {
                if (errors.incrementAndGet() <= 10) {
                    MailMonth.log(person + " could not list " + path + ": " + answer.status() + " " + answer.body());
                }
                break;
            }
            JsonNode json = answer.json();
            json.path(field).forEach(entries::add);
            JsonNode next = json.get("next");
            if (next == null || next.isNull() || next.asString().isBlank() || entries.isEmpty()) {
                break;
            }
            if (since != null && Instant.parse(entries.get(entries.size() - 1).path("received_at").asString()).isBefore(since)) {
                break;
            }
            cursor = URLEncoder.encode(next.asString(), StandardCharsets.UTF_8);
        }
        return entries;
    }

    /** The header fields of an RFC 5322 message, unfolded, by lower-case name (the first of each name). */
    static Map<String, String> headers(String message) {
        Map<String, String> headers = new LinkedHashMap<>();
        String name = null;
        StringBuilder value = new StringBuilder();
        for (String line : message.split("\r?\n", -1)) {
            if (line.isEmpty()) {
                break;
            }
            if ((line.startsWith(" ") || line.startsWith("\t")) && name != null) {
                value.append(' ').append(line.strip());
                continue;
            }
            if (name != null) {
                headers.putIfAbsent(name, value.toString());
            }
            int colon = line.indexOf(':');
            name = colon < 0 ? null : line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            value = new StringBuilder(colon < 0 ? "" : line.substring(colon + 1).strip());
        }
        if (name != null) {
            headers.putIfAbsent(name, value.toString());
        }
        return headers;
    }

    /** The Message-IDs in a header value, in order. */
    static List<String> ids(String value) {
        List<String> ids = new ArrayList<>();
        if (value != null) {
            Matcher m = MESSAGE_ID.matcher(value);
            while (m.find()) {
                ids.add(m.group());
            }
        }
        return ids;
    }
}
