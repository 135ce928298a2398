package org.pullmail.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pullmail.protocol.Pmp;

import tools.jackson.databind.JsonNode;

/**
 * Issue 16 across alpha.test and beta.test: mail a user surely wants is fetched at once, without a request
 * (colleagues, learned correspondents, replies to the user's own mail, tagged addresses, trusted domains), a
 * block still refuses it, and requests can be decided a whole sender domain at once. Every mailbox here is
 * created for this class through the admin API, so no other test's contacts, blocks or sent mail change what
 * these rules decide.
 */
class WantedMailAcrossDomainsTest {

    static final String PASSWORD = "wanted-mail-password-16";

    static TwoDomains domains;
    static Api alphaAdmin;
    static Api betaAdmin;

    @BeforeAll
    static void start() throws Exception {
        domains = TwoDomains.get();
        alphaAdmin = Api.login(domains.alpha, "admin@alpha.test", TwoDomains.PASSWORD);
        betaAdmin = Api.login(domains.beta, "admin@beta.test", TwoDomains.PASSWORD);
    }

    @Test
    void whomAUserWroteToIsFetchedAtOnceUntilTheUserRemovesThem() throws Exception {
        Api lena = account(domains.alpha, "lena@alpha.test");
        Api mona = account(domains.alpha, "mona@alpha.test");
        Api bert = account(domains.beta, "bert@beta.test");

        // bert never wrote to lena: her mail waits for his decision
        String cold = PullDeliveryTest.unique("Introduction");
        String coldId = send(lena, List.of("bert@beta.test"), List.of(), cold, null, List.of());
        assertThat(held(bert, cold).get("policy").asString()).isEqualTo("a stranger");
        awaitDelivery(lena, coldId, "bert@beta.test", "notified");

        // bert writes to mona: from then on she is his correspondent, and lena is not
        String question = PullDeliveryTest.unique("A question about the offer");
        send(bert, List.of("mona@alpha.test"), List.of(), question, null, List.of());
        JsonNode learned = bert.await("/api/v1/inbox/correspondents", l -> has(l, "correspondents", "mona@alpha.test"));
        assertThat(has(learned, "correspondents", "lena@alpha.test")).isFalse();
        JsonNode entry = entry(learned, "correspondents", "mona@alpha.test");
        Instant learnedAt = Instant.parse(entry.get("learned_at").asString());
        assertThat(Instant.parse(entry.get("expires_at").asString())).isAfter(learnedAt.plus(Duration.ofDays(179)));

        // no thread headers: only the learned entry can let mona's answer in
        String answer = PullDeliveryTest.unique("The offer stands");
        String answerId = send(mona, List.of("bert@beta.test"), List.of(), answer, null, List.of());
        fetchedAtOnce(bert, answer);
        assertThat(policy(domains.beta, "bert@beta.test", answer)).isEqualTo("correspondent");
        awaitDelivery(mona, answerId, "bert@beta.test", "stored");
        assertThat(PullDeliveryTest.hasSubject(bert.get("/api/v1/inbox/requests").json(), "requests", cold))
                .as("lena's mail still waits").isTrue();

        assertThat(bert.delete("/api/v1/inbox/correspondents/mona@alpha.test").status()).isEqualTo(204);
        assertThat(has(bert.get("/api/v1/inbox/correspondents").json(), "correspondents", "mona@alpha.test")).isFalse();
        assertProblem(bert.delete("/api/v1/inbox/correspondents/mona@alpha.test"), 404);
        assertProblem(bert.delete("/api/v1/inbox/correspondents/not-an-address"), 400);

        String after = PullDeliveryTest.unique("One more thing");
        String afterId = send(mona, List.of("bert@beta.test"), List.of(), after, null, List.of());
        assertThat(held(bert, after).get("policy").asString()).isEqualTo("a stranger");
        awaitDelivery(mona, afterId, "bert@beta.test", "notified");
    }

    @Test
    void aReplyToTheUsersOwnMailIsFetchedAtOnceFromSomeoneTheUserNeverWroteTo() throws Exception {
        Api rita = account(domains.alpha, "rita@alpha.test");
        Api ralph = account(domains.beta, "ralph@beta.test");
        Api cora = account(domains.beta, "cora@beta.test");

        // rita writes to ralph alone; ralph answers her and copies cora, whom rita never wrote to
        String subject = PullDeliveryTest.unique("Quarterly figures");
        send(rita, List.of("ralph@beta.test"), List.of(), subject, null, List.of());
        JsonNode request = held(ralph, subject);
        assertThat(ralph.post("/api/v1/inbox/requests/" + request.get("id").asString() + "/accept", null).status())
                .isEqualTo(202);
        String ritasId = messageId(ralph, fetched(ralph, subject));

        String answer = "Re: " + subject;
        send(ralph, List.of("rita@alpha.test"), List.of("cora@beta.test"), answer, ritasId, List.of());
        JsonNode ralphsCopy = fetchedAtOnce(cora, answer);
        String ralphsId = messageId(cora, ralphsCopy);
        byte[] raw = cora.get("/api/v1/inbox/messages/" + ralphsCopy.get("id").asString() + "/raw").body();
        assertThat(header(raw, "In-Reply-To")).isEqualTo(ritasId);
        assertThat(header(raw, "References")).isEqualTo(ritasId);
        // the outbox reported what rita sent to alpha's inbox (her message and its correspondents in one step)
        rita.await("/api/v1/inbox/correspondents", l -> has(l, "correspondents", "ralph@beta.test"));
        assertThat(has(rita.get("/api/v1/inbox/correspondents").json(), "correspondents", "cora@beta.test")).isFalse();

        // a bad thread reference is refused before anything is sent
        int sentBefore = cora.get("/api/v1/outbox/messages").json().get("messages").size();
        Api.Response bad = cora.post("/api/v1/outbox/messages", Map.of("to", List.of("rita@alpha.test"),
                "subject", "Re: " + answer, "in_reply_to", "not a message id"));
        assertProblem(bad, 400);
        assertThat(bad.text()).contains("in_reply_to");
        assertThat(cora.get("/api/v1/outbox/messages").json().get("messages").size()).isEqualTo(sentBefore);

        // the same mail without thread headers is a stranger's
        String unthreaded = PullDeliveryTest.unique("Re: " + answer);
        send(cora, List.of("rita@alpha.test"), List.of("ralph@beta.test"), unthreaded, null, List.of());
        assertThat(held(rita, unthreaded).get("policy").asString()).isEqualTo("a stranger");

        // cora replies to all as a mail client does: In-Reply-To ralph's message, References the thread so far
        String reply = PullDeliveryTest.unique("Re: " + answer);
        String replyId = send(cora, List.of("rita@alpha.test"), List.of("ralph@beta.test"), reply, ralphsId,
                List.of(ritasId));
        fetchedAtOnce(rita, reply);
        assertThat(policy(domains.alpha, "rita@alpha.test", reply)).isEqualTo("reply");
        awaitDelivery(cora, replyId, "rita@alpha.test", "stored");
    }

    @Test
    void aBlockRefusesEvenARepliersAndALearnedCorrespondentsMail() throws Exception {
        Api blair = account(domains.alpha, "blair@alpha.test");
        Api bo = account(domains.beta, "bo@beta.test");
        Api cole = account(domains.beta, "cole@beta.test");

        String subject = PullDeliveryTest.unique("Board meeting");
        String sentId = send(blair, List.of("bo@beta.test"), List.of(), subject, null, List.of());
        String blairsId = header(blair.get("/api/v1/outbox/messages/" + sentId + "/raw").body(), "Message-ID");
        blair.await("/api/v1/inbox/correspondents", l -> has(l, "correspondents", "bo@beta.test"));

        // a valid hint from cole, whom blair blocks: refused, neither a request nor a message
        assertThat(blair.put("/api/v1/inbox/blocklist/cole@beta.test").status()).isEqualTo(204);
        String blocked = PullDeliveryTest.unique("Re: " + subject);
        refused(cole, send(cole, List.of("blair@alpha.test"), List.of(), blocked, blairsId, List.of()),
                "blair@alpha.test", blair, blocked);

        // the hint was valid: without the block the same reply is fetched at once
        assertThat(blair.delete("/api/v1/inbox/blocklist/cole@beta.test").status()).isEqualTo(204);
        String unblocked = PullDeliveryTest.unique("Re: " + subject);
        send(cole, List.of("blair@alpha.test"), List.of(), unblocked, blairsId, List.of());
        fetchedAtOnce(blair, unblocked);
        assertThat(policy(domains.alpha, "blair@alpha.test", unblocked)).isEqualTo("reply");

        // bo is a learned correspondent, fetched at once until blair blocks his whole domain
        String fromBo = PullDeliveryTest.unique("Agenda");
        send(bo, List.of("blair@alpha.test"), List.of(), fromBo, null, List.of());
        fetchedAtOnce(blair, fromBo);
        assertThat(policy(domains.alpha, "blair@alpha.test", fromBo)).isEqualTo("correspondent");

        assertThat(blair.put("/api/v1/inbox/blocklist/beta.test").status()).isEqualTo(204);
        String domainBlocked = PullDeliveryTest.unique("Agenda, again");
        refused(bo, send(bo, List.of("blair@alpha.test"), List.of(), domainBlocked, null, List.of()),
                "blair@alpha.test", blair, domainBlocked);
        String hintedBlocked = PullDeliveryTest.unique("Re: " + subject);
        refused(cole, send(cole, List.of("blair@alpha.test"), List.of(), hintedBlocked, blairsId, List.of()),
                "blair@alpha.test", blair, hintedBlocked);
        assertThat(has(blair.get("/api/v1/inbox/correspondents").json(), "correspondents", "bo@beta.test"))
                .as("the block leaves the learned entry; it only wins over it").isTrue();
    }

    @Test
    void colleaguesMailIsFetchedAtOnceBothWays() throws Exception {
        Api cleo = account(domains.alpha, "cleo@alpha.test");
        Api cyril = account(domains.alpha, "cyril@alpha.test");

        String subject = PullDeliveryTest.unique("Stand-up moved");
        String id = send(cleo, List.of("cyril@alpha.test"), List.of(), subject, null, List.of());
        fetchedAtOnce(cyril, subject);
        assertThat(policy(domains.alpha, "cyril@alpha.test", subject)).isEqualTo("colleague");
        JsonNode delivery = awaitDelivery(cleo, id, "cyril@alpha.test", "stored");
        assertThat(delivery.get("fetched_at").asString()).isNotBlank();

        String answer = PullDeliveryTest.unique("Re: Stand-up moved");
        String answerId = send(cyril, List.of("cleo@alpha.test"), List.of(), answer, null, List.of());
        fetchedAtOnce(cleo, answer);
        assertThat(policy(domains.alpha, "cleo@alpha.test", answer)).isEqualTo("colleague");
        awaitDelivery(cyril, answerId, "cleo@alpha.test", "stored");
    }

    @Test
    void aTaggedAddressIsFetchedAtOnceShowingItsTagUntilTheUserBlocksTheTag() throws Exception {
        Api tess = account(domains.beta, "tess@beta.test");
        Api shop = account(domains.alpha, "store@alpha.test");

        Api.Response created = tess.post("/api/v1/inbox/tags", Map.of("tag", "shop"));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.json().get("address").asString()).isEqualTo("tess+shop@beta.test");
        assertThat(created.json().get("blocked").asBoolean()).isFalse();
        assertProblem(tess.post("/api/v1/inbox/tags", Map.of("tag", "shop")), 409);
        assertProblem(tess.post("/api/v1/inbox/tags", Map.of("tag", "Shop!")), 400);
        assertThat(tess.get("/api/v1/inbox/tags").json().get("tags").toString()).contains("tess+shop@beta.test");

        String order = PullDeliveryTest.unique("Your order has shipped");
        String orderId = send(shop, List.of("tess+shop@beta.test"), List.of(), order, null, List.of());
        JsonNode stored = fetchedAtOnce(tess, order);
        assertThat(stored.get("tag").asString()).isEqualTo("shop");
        assertThat(tess.get("/api/v1/inbox/messages/" + stored.get("id").asString()).json().get("tag").asString())
                .isEqualTo("shop");
        assertThat(policy(domains.beta, "tess@beta.test", order)).isEqualTo("tag");
        awaitDelivery(shop, orderId, "tess+shop@beta.test", "stored");

        // only the tag the user gave out opens the door: the shop's mail to her own address waits
        String untagged = PullDeliveryTest.unique("We miss you");
        send(shop, List.of("tess@beta.test"), List.of(), untagged, null, List.of());
        JsonNode request = held(tess, untagged);
        assertThat(request.get("policy").asString()).isEqualTo("a stranger");
        assertThat(request.has("tag")).isFalse();

        // the address leaked to spammers: tess blocks the tag, and its next mail is refused
        assertProblem(tess.putJson("/api/v1/inbox/tags/shop", Map.of()), 400);
        Api.Response block = tess.putJson("/api/v1/inbox/tags/shop", Map.of("blocked", true));
        assertThat(block.status()).as(block.text()).isEqualTo(200);
        assertThat(block.json().get("blocked").asBoolean()).isTrue();
        String leaked = PullDeliveryTest.unique("Cheap watches");
        refused(shop, send(shop, List.of("tess+shop@beta.test"), List.of(), leaked, null, List.of()),
                "tess+shop@beta.test", tess, leaked);
    }

    @Test
    void requestsAreGroupedBySenderDomainAndAcceptedADomainAtOnce() throws Exception {
        Api gina = account(domains.beta, "gina@beta.test");
        Api sam = account(domains.alpha, "sam@alpha.test");
        Api sue = account(domains.alpha, "sue@alpha.test");
        Api sid = account(domains.alpha, "sid@alpha.test");
        JsonNode figuresBefore = betaAdmin.get("/api/v1/admin/inbound/requests").json();

        String fromSam = PullDeliveryTest.unique("Conference talk proposal");
        String fromSue = PullDeliveryTest.unique("Conference travel");
        String samId = send(sam, List.of("gina@beta.test"), List.of(), fromSam, null, List.of());
        String sueId = send(sue, List.of("gina@beta.test"), List.of(), fromSue, null, List.of());
        held(gina, fromSam);
        held(gina, fromSue);

        JsonNode grouped = entry(gina.get("/api/v1/inbox/requests/domains").json(), "domains", "alpha.test");
        assertThat(grouped.get("count").asInt()).isEqualTo(2);
        assertThat(grouped.get("senders").toString()).contains("sam@alpha.test", "sue@alpha.test");
        assertThat(Instant.parse(grouped.get("oldest").asString()))
                .isBeforeOrEqualTo(Instant.parse(grouped.get("newest").asString()));
        JsonNode waiting = betaAdmin.get("/api/v1/admin/inbound/requests").json().get("waiting");
        assertThat(waiting.get("count").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(waiting.get("median_seconds").asDouble()).isGreaterThanOrEqualTo(0);
        assertProblem(gina.post("/api/v1/inbox/requests/domains/not_a_domain/accept", null), 400);

        Api.Response accepted = gina.post("/api/v1/inbox/requests/domains/alpha.test/accept", null);
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
        assertThat(accepted.json().get("accepted").asInt()).isEqualTo(2);
        assertThat(accepted.json().get("trusted").asBoolean()).isTrue();
        fetched(gina, fromSam);
        fetched(gina, fromSue);
        awaitDelivery(sam, samId, "gina@beta.test", "stored");
        awaitDelivery(sue, sueId, "gina@beta.test", "stored");
        assertThat(has(gina.get("/api/v1/inbox/requests/domains").json(), "domains", "alpha.test")).isFalse();
        long decidedBefore = figuresBefore.get("decided").get("count").asLong();
        assertThat(betaAdmin.get("/api/v1/admin/inbound/requests").json().get("decided").get("count").asLong())
                .isGreaterThanOrEqualTo(decidedBefore + 2);

        // accepting the domain trusted it: the next stranger from alpha.test is fetched at once
        assertThat(gina.get("/api/v1/inbox/allowlist").json().get("entries").toString()).contains("alpha.test");
        String fromSid = PullDeliveryTest.unique("Conference dinner");
        send(sid, List.of("gina@beta.test"), List.of(), fromSid, null, List.of());
        fetchedAtOnce(gina, fromSid);
        assertThat(policy(domains.beta, "gina@beta.test", fromSid)).isEqualTo("trusted-domain");
    }

    @Test
    void theDailyDigestOnTheEventStreamCountsTheRequestsWaiting() throws Exception {
        // beta's inbox is restarted with today's digest due in half a minute (UTC); near midnight that is tomorrow's
        LocalTime at = LocalTime.now(ZoneOffset.UTC).plusSeconds(30).truncatedTo(ChronoUnit.SECONDS);
        assumeTrue(at.isAfter(LocalTime.of(0, 1)), "the digest time falls on tomorrow: run again after 00:01 UTC");
        Api nina = account(domains.alpha, "nina@alpha.test");
        Api omar = account(domains.alpha, "omar@alpha.test");
        Api pia = account(domains.beta, "pia@beta.test");
        String first = PullDeliveryTest.unique("Are you free on Monday");
        String second = PullDeliveryTest.unique("Following up");
        send(nina, List.of("pia@beta.test"), List.of(), first, null, List.of());
        send(omar, List.of("pia@beta.test"), List.of(), second, null, List.of());
        held(pia, first);
        held(pia, second);
        Instant before = Instant.now();

        domains.beta.stop("inbox-service");
        domains.beta.addArgs("inbox-service", "--pullmail.inbox.digest.at=" + at,
                "--pullmail.inbox.digest.check-interval=PT1S");
        domains.beta.start("inbox-service");
        domains.beta.awaitReady(Duration.ofMinutes(2));

        // from the log's start (Last-Event-ID 0): pia's two requests, then the digest when its time comes
        JsonNode digest = digestEvent(pia, Duration.ofSeconds(90));
        assertThat(digest.get("count").asInt()).isEqualTo(2);
        assertThat(digest.get("domains").asInt()).isEqualTo(1);
        assertThat(Instant.parse(digest.get("oldest").asString())).isBefore(before);
        assertThat(pia.get("/api/v1/inbox/requests").json().get("requests")).hasSize(2);
    }

    /** Reads the mailbox's event stream from its start until a {@code digest} event, for at most {@code within}. */
    static JsonNode digestEvent(Api user, Duration within) throws Exception {
        HttpResponse<InputStream> response = Api.HTTP.send(HttpRequest.newBuilder(
                                URI.create(user.base + "/api/v1/inbox/events"))
                        .header("Authorization", "Bearer " + user.token())
                        .header("Accept", "text/event-stream")
                        .header("Last-Event-ID", "0").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        CompletableFuture<String> digest = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String name = null;
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("event:")) {
                        name = line.substring(6).trim();
                    } else if (line.startsWith("data:") && "digest".equals(name)) {
                        return line.substring(5).trim();
                    } else if (line.isEmpty()) {
                        name = null;
                    }
                }
                throw new AssertionError("the event stream ended without a digest");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            return Api.JSON.readTree(digest.get(within.toSeconds(), TimeUnit.SECONDS));
        } finally {
            digest.cancel(true);
            response.body().close();
        }
    }

    /** A mailbox of this class's own, created by the domain's admin, and its user logged in. */
    static Api account(Domain domain, String address) throws Exception {
        Api admin = domain == domains.alpha ? alphaAdmin : betaAdmin;
        Api.Response created = admin.post("/api/v1/admin/accounts",
                Map.of("address", address, "password", PASSWORD, "admin", false));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.json().get("provisioned").asBoolean()).isTrue();
        return Api.login(domain, address, PASSWORD);
    }

    /** Sends through the outbox API; {@code inReplyTo} null for mail that answers nothing. */
    static String send(Api from, List<String> to, List<String> cc, String subject, String inReplyTo,
            List<String> references) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("to", to);
        body.put("cc", cc);
        body.put("subject", subject);
        body.put("text", "Sent by " + from.address + ".");
        if (inReplyTo != null) {
            body.put("in_reply_to", inReplyTo);
            body.put("references", references);
        }
        Api.Response r = from.post("/api/v1/outbox/messages", body);
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return r.json().get("id").asString();
    }

    /** Waits until the sender's delivery to {@code address} is in {@code status}; returns it. */
    static JsonNode awaitDelivery(Api sender, String id, String address, String status) {
        JsonNode message = sender.await("/api/v1/outbox/messages/" + id, m -> status.equals(
                recipient(m, address).path("status").asString("")));
        return recipient(message, address);
    }

    private static JsonNode recipient(JsonNode message, String address) {
        for (JsonNode r : message.get("recipients")) {
            if (address.equals(r.get("address").asString())) {
                return r;
            }
        }
        throw new AssertionError("no recipient " + address + " in " + message);
    }

    /**
     * The message is in the mailbox although nobody decided anything: it never waited as a request (a held
     * one reaches the mailbox only when the user accepts it).
     */
    static JsonNode fetchedAtOnce(Api recipient, String subject) throws Exception {
        JsonNode stored = fetched(recipient, subject);
        assertThat(PullDeliveryTest.hasSubject(recipient.get("/api/v1/inbox/requests").json(), "requests", subject))
                .as("%s was fetched at once, not held", subject).isFalse();
        return stored;
    }

    static JsonNode fetched(Api recipient, String subject) {
        return PullDeliveryTest.withSubject(recipient.await("/api/v1/inbox/messages",
                l -> PullDeliveryTest.hasSubject(l, "messages", subject)), "messages", subject);
    }

    /** The mail waits as a request, and nothing of it is in the mailbox; returns the request. */
    static JsonNode held(Api recipient, String subject) throws Exception {
        JsonNode request = PullDeliveryTest.withSubject(recipient.await("/api/v1/inbox/requests",
                l -> PullDeliveryTest.hasSubject(l, "requests", subject)), "requests", subject);
        assertThat(request.get("state").asString()).isEqualTo("requested");
        assertThat(PullDeliveryTest.hasSubject(recipient.get("/api/v1/inbox/messages").json(), "messages", subject))
                .isFalse();
        return request;
    }

    /** The sender learns that the recipient blocked it, and the recipient has neither a request nor a message. */
    static void refused(Api sender, String id, String address, Api recipient, String subject) throws Exception {
        JsonNode delivery = awaitDelivery(sender, id, address, "declined");
        assertThat(delivery.get("detail").asString()).contains("blocked");
        assertThat(PullDeliveryTest.hasSubject(recipient.get("/api/v1/inbox/requests").json(), "requests", subject))
                .isFalse();
        assertThat(PullDeliveryTest.hasSubject(recipient.get("/api/v1/inbox/messages").json(), "messages", subject))
                .isFalse();
    }

    /** The Message-ID of a message in the user's mailbox, as the parsed view shows it. */
    static String messageId(Api user, JsonNode summary) throws Exception {
        return user.get("/api/v1/inbox/messages/" + summary.get("id").asString()).json().get("message_id").asString();
    }

    /** A header field of a raw message, unfolded; fails when the message has none. */
    static String header(byte[] raw, String name) {
        String text = new String(raw, StandardCharsets.UTF_8);
        String head = text.substring(0, text.indexOf("\r\n\r\n")).replaceAll("\r\n[ \t]+", " ");
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                return line.substring(colon + 1).strip();
            }
        }
        throw new AssertionError("no " + name + " in\n" + head);
    }

    static boolean has(JsonNode list, String field, String key) {
        for (JsonNode item : list.get(field)) {
            if (key.equals(item.path("address").asString(item.path("domain").asString("")))) {
                return true;
            }
        }
        return false;
    }

    static JsonNode entry(JsonNode list, String field, String key) {
        for (JsonNode item : list.get(field)) {
            if (key.equals(item.path("address").asString(item.path("domain").asString("")))) {
                return item;
            }
        }
        throw new AssertionError("no " + key + " in " + list);
    }

    static void assertProblem(Api.Response response, int status) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        assertThat(response.contentType()).startsWith(Pmp.MEDIA_TYPE_PROBLEM);
    }

    /**
     * Why the recipient's domain fetched the mail at once: the notice's policy. The inbox records it, but no
     * public API shows it for mail that was fetched (a request shows it), so it is read where the inbox keeps it.
     */
    /** The rule that let the message with this subject into the mailbox, as the user sees it on the message. */
    static String policy(Domain domain, String mailbox, String subject) throws Exception {
        Api user = Api.login(domain, mailbox, PASSWORD);
        List<String> policies = new ArrayList<>();
        user.get("/api/v1/inbox/messages?limit=500").json().get("messages").forEach(m -> {
            if (subject.equals(m.get("subject").asString())) {
                policies.add(m.get("policy").asString());
                try {
                    assertThat(user.get("/api/v1/inbox/messages/" + m.get("id").asString()).json().get("policy")
                            .asString()).as("the message view says the same").isEqualTo(policies.get(0));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        assertThat(policies).as("messages %s in %s", subject, mailbox).hasSize(1);
        return policies.get(0);
    }
}
