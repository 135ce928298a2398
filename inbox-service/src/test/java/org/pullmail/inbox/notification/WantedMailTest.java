package org.pullmail.inbox.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.matchesPattern;
import static org.awaitility.Awaitility.await;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.pullmail.inbox.Notifications;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.ReplyHint;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.testing.PeerDomains;
import org.pullmail.testing.ServiceDatabase;
import org.pullmail.testing.TestInternalSecret;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

import tools.jackson.databind.ObjectMapper;

/**
 * Wanted mail is fetched at once without a rule typed by hand, through the real notification endpoint signed
 * by peer domains: colleagues, learned correspondents, replies to the user's own mail (PROTOCOL.md 3.5), tagged
 * addresses, domains the user trusts, the domain's partners; each records why as the notice's policy, and none
 * of them lets in a sender that the user or the domain blocks, by address or by domain.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureMockMvc
class WantedMailTest {

    static final PeerDomains PEERS = peers();

    static PeerDomains peers() {
        try {
            // alpha.test is this inbox's own domain: its outbox's notifications are a colleague's mail
            return new PeerDomains("alpha.test", "friend.test", "partner.test", "stranger.test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "inbox_wanted_mail_test");
        registry.add("pullmail.domain", () -> "alpha.test");
        registry.add("pullmail.public-url", () -> Notifications.PUBLIC_URL);
        registry.add("pullmail.discovery.allow-private-addresses", () -> "true");
        // these tests send stranger.test's mail by the dozen and fetch little of it: reputation must not judge it
        registry.add("pullmail.inbox.reputation.min-notifications", () -> "100000");
        for (String domain : PEERS.domains()) {
            registry.add("pullmail.discovery.overrides.[" + domain + "]", () -> PEERS.peer(domain).base());
        }
    }

    @AfterAll
    static void stopPeers() {
        PEERS.close();
    }

    static final RequestPostProcessor ADMIN = jwt().jwt(j -> j.subject("admin@alpha.test"))
            .authorities(new SimpleGrantedAuthority("ROLE_USER"), new SimpleGrantedAuthority("ROLE_ADMIN"));

    @LocalServerPort
    int port;
    @Autowired
    MockMvc mvc;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    ObjectMapper json;

    /** A new mailbox of alpha.test, its own for one test. */
    String mailbox(String name) {
        String address = name + UUID.randomUUID().toString().substring(0, 6) + "@alpha.test";
        jdbc.sql("INSERT INTO mailbox (address) VALUES (?)").param(address).update();
        return address;
    }

    static RequestPostProcessor as(String mailbox) {
        return jwt().jwt(j -> j.subject(mailbox));
    }

    /** A notification as sent, and the inbox's answer. */
    record Sent(String id, HttpResponse<String> response) {
    }

    Sent notify(String from, String to, String... hints) throws Exception {
        return notifyServing(from, to, null, hints);
    }

    /** Sends a notification signed by the sender's domain; {@code content}, when given, is served for the fetch. */
    Sent notifyServing(String from, String to, String content, String... hints) throws Exception {
        PeerDomains.Peer peer = PEERS.peer(from.substring(from.indexOf('@') + 1));
        Notification plain = Notifications.notification(peer, from, Notifications.digestOf(UUID.randomUUID().toString()),
                "Hello", to);
        byte[] bytes = content == null ? new byte[1000] : content.getBytes(StandardCharsets.UTF_8);
        Notification n = new Notification(plain.id(), from,
                List.of(new Notification.Recipient(to, plain.recipients().get(0).token(),
                        hints.length == 0 ? null : List.of(hints))),
                plain.subject(), bytes.length,
                content == null ? plain.digest() : ContentDigest.sha256(bytes), plain.fetchUrl(), plain.sentAt(),
                plain.expiresAt());
        if (content != null) {
            peer.fetchAnswers.put(n.id(), new PeerDomains.Answer(200, "message/rfc822", content, Map.of()));
        }
        HttpResponse<String> response = Notifications.send(peer, n, port, Map.of());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new Sent(n.id(), response);
    }

    String outcome(Sent sent) {
        return json.readTree(sent.response().body()).get("recipients").get(0).get("outcome").asString();
    }

    record Notice(UUID id, String recipient, String state, String policy, String tag) {
    }

    Optional<Notice> notice(Sent sent) {
        return jdbc.sql("SELECT n.id, n.recipient, n.state, n.policy, n.tag FROM notice n"
                        + " JOIN notification f ON f.id = n.notification WHERE f.notification_id = ?")
                .param(sent.id())
                .query((rs, i) -> new Notice(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5)))
                .optional();
    }

    /** Fetched at once (the fetch may have ended already): never a request. */
    void assertFetched(Sent sent, String mailbox, String policy) {
        assertThat(outcome(sent)).isEqualTo("accepted");
        Notice notice = notice(sent).orElseThrow();
        assertThat(notice.recipient()).isEqualTo(mailbox);
        assertThat(notice.state()).isIn("fetching", "stored", "failed");
        assertThat(notice.policy()).isEqualTo(policy);
    }

    void assertHeld(Sent sent, String mailbox) {
        assertThat(outcome(sent)).isEqualTo("accepted");
        Notice notice = notice(sent).orElseThrow();
        assertThat(notice.recipient()).isEqualTo(mailbox);
        assertThat(notice.state()).isEqualTo("requested");
        assertThat(notice.policy()).isEqualTo("a stranger");
    }

    void assertBlocked(Sent sent) {
        assertThat(outcome(sent)).isEqualTo("blocked");
        assertThat(notice(sent)).as("nothing stored for a refused recipient").isEmpty();
    }

    void reportSent(String mailbox, String messageId, Instant sentAt, String... correspondents) throws Exception {
        mvc.perform(post("/internal/v1/mailboxes/" + mailbox + "/sent").contentType(MediaType.APPLICATION_JSON)
                        .header("Authorization", TestInternalSecret.AUTHORIZATION)
                        .content(json.writeValueAsString(Map.of("message_id", messageId,
                                "correspondents", List.of(correspondents), "sent_at", sentAt.toString()))))
                .andExpect(status().isNoContent());
    }

    void userRule(String mailbox, String list, String entry, boolean on) throws Exception {
        mvc.perform((on ? put("/api/v1/inbox/" + list + "/" + entry) : delete("/api/v1/inbox/" + list + "/" + entry))
                .with(as(mailbox))).andExpect(status().isNoContent());
    }

    void domainRule(String list, String entry, boolean on) throws Exception {
        mvc.perform((on ? put("/api/v1/admin/inbound/" + list + "/" + entry)
                : delete("/api/v1/admin/inbound/" + list + "/" + entry)).with(ADMIN))
                .andExpect(status().isNoContent());
    }

    /**
     * The sender's mail to {@code address} (with {@code hints}) is fetched at once for {@code mailbox} with
     * {@code policy}, and refused, every time, while the user blocks the sender's address or its domain, and while
     * the domain does; fetched again once the blocks are lifted.
     */
    void blocksBeat(String mailbox, String address, String sender, String policy, String... hints) throws Exception {
        String domain = sender.substring(sender.indexOf('@') + 1);
        assertFetched(notify(sender, address, hints), mailbox, policy);
        for (String entry : List.of(sender, domain)) {
            // a domain the user trusts is the user's own domain entry: blocking the domain replaces it
            if (!policy.equals("trusted-domain") || entry.equals(sender)) {
                userRule(mailbox, "blocklist", entry, true);
                assertBlocked(notify(sender, address, hints));
                userRule(mailbox, "blocklist", entry, false);
            }
            domainRule("blocklist", entry, true);
            try {
                assertBlocked(notify(sender, address, hints));
            } finally {
                domainRule("blocklist", entry, false);
            }
        }
        assertFetched(notify(sender, address, hints), mailbox, policy);
    }

    @Test
    void aColleaguesMailIsFetchedAtOnceUntilTheDomainTurnsThatOffAndBlocksBeatIt() throws Exception {
        String erin = mailbox("erin");
        String dave = mailbox("dave");
        blocksBeat(erin, erin, dave, "colleague");

        mvc.perform(get("/api/v1/admin/inbound/policy").with(ADMIN))
                .andExpect(jsonPath("$.stranger_policy").value("hold"))
                .andExpect(jsonPath("$.colleagues_fetched_at_once").value(true));
        mvc.perform(put("/api/v1/admin/inbound/policy").with(ADMIN).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"colleagues_fetched_at_once\": false}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.stranger_policy").value("hold"))
                .andExpect(jsonPath("$.colleagues_fetched_at_once").value(false));
        try {
            assertHeld(notify(dave, erin), erin);
        } finally {
            mvc.perform(put("/api/v1/admin/inbound/policy").with(ADMIN).contentType(MediaType.APPLICATION_JSON)
                    .content("{\"colleagues_fetched_at_once\": true}")).andExpect(status().isOk());
        }
        assertFetched(notify(dave, erin), erin, "colleague");
        mvc.perform(put("/api/v1/admin/inbound/policy").with(ADMIN).contentType(MediaType.APPLICATION_JSON)
                        .content("{}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith("application/problem+json"));
    }

    @Test
    void whomTheUserWroteToIsFetchedAtOnceForAPeriodEachMessageRenewsUntilRemoved() throws Exception {
        String fay = mailbox("fay");
        String carol = "carol" + UUID.randomUUID().toString().substring(0, 6) + "@friend.test";
        assertHeld(notify(carol, fay), fay);

        Instant sentAt = Instant.now().minus(Duration.ofDays(20)).truncatedTo(ChronoUnit.SECONDS);
        reportSent(fay, "m1-" + UUID.randomUUID() + "@alpha.test", sentAt, carol, "zoe@Friend.TEST");
        mvc.perform(get("/api/v1/inbox/correspondents").with(as(fay)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.correspondents.length()").value(2))
                .andExpect(jsonPath("$.correspondents[0].address").value(carol))
                .andExpect(jsonPath("$.correspondents[0].learned_at").value(sentAt.toString()))
                .andExpect(jsonPath("$.correspondents[0].expires_at").value(sentAt.plus(Duration.ofDays(180)).toString()))
                .andExpect(jsonPath("$.correspondents[1].address").value("zoe@friend.test"))
                .andExpect(jsonPath("$.next").doesNotExist());
        mvc.perform(get("/api/v1/inbox/correspondents?limit=1").with(as(fay)))
                .andExpect(jsonPath("$.correspondents.length()").value(1))
                .andExpect(jsonPath("$.next").isString());
        assertThat(jdbc.sql("SELECT count(*) FROM correspondent WHERE address = ?").param(carol)
                .query(Integer.class).single()).as("learned for fay alone").isEqualTo(1);

        blocksBeat(fay, fay, carol, "correspondent");

        // a later message renews the period; the same message reported again changes nothing
        String second = "m2-" + UUID.randomUUID() + "@alpha.test";
        reportSent(fay, second, sentAt.plus(Duration.ofDays(3)), carol);
        reportSent(fay, second, sentAt.plus(Duration.ofDays(9)), carol);
        assertThat(jdbc.sql("SELECT expires_at FROM correspondent WHERE mailbox = ? AND address = ?").params(fay, carol)
                .query(Timestamp.class).single().toInstant()).isEqualTo(sentAt.plus(Duration.ofDays(183)));
        assertThat(jdbc.sql("SELECT learned_at FROM correspondent WHERE mailbox = ? AND address = ?").params(fay, carol)
                .query(Timestamp.class).single().toInstant()).as("first learned").isEqualTo(sentAt);

        mvc.perform(delete("/api/v1/inbox/correspondents/" + carol).with(as(fay))).andExpect(status().isNoContent());
        mvc.perform(delete("/api/v1/inbox/correspondents/" + carol).with(as(fay))).andExpect(status().isNotFound());
        assertHeld(notify(carol, fay), fay);
        mvc.perform(get("/api/v1/inbox/correspondents").with(as(fay)))
                .andExpect(jsonPath("$.correspondents.length()").value(1));
    }

    /** Wanting a stranger's mail once is a reason not to make their next mail wait (bench/simulate found it did). */
    @Test
    void aSenderWhoseRequestTheUserAcceptedIsFetchedAtOnceNextTimeUnlessBlocked() throws Exception {
        String ivy = mailbox("ivy");
        String stranger = "new" + UUID.randomUUID().toString().substring(0, 6) + "@friend.test";
        Sent first = notify(stranger, ivy);
        assertHeld(first, ivy);
        mvc.perform(post("/api/v1/inbox/requests/" + notice(first).orElseThrow().id() + "/accept").with(as(ivy)))
                .andExpect(status().isAccepted());
        mvc.perform(get("/api/v1/inbox/correspondents").with(as(ivy)))
                .andExpect(jsonPath("$.correspondents[0].address").value(stranger));
        assertFetched(notify(stranger, ivy), ivy, "correspondent");
        userRule(ivy, "blocklist", stranger, true);
        assertBlocked(notify(stranger, ivy));
    }

    @Test
    void aCorrespondentWhosePeriodEndedIsHeldAgain() throws Exception {
        String gil = mailbox("gil");
        String old = "old" + UUID.randomUUID().toString().substring(0, 6) + "@friend.test";
        reportSent(gil, "long-ago-" + UUID.randomUUID() + "@alpha.test", Instant.now().minus(Duration.ofDays(181)), old);
        assertHeld(notify(old, gil), gil);
        mvc.perform(get("/api/v1/inbox/correspondents").with(as(gil)))
                .andExpect(jsonPath("$.correspondents.length()").value(0));
    }

    @Test
    void theSentReportRefusesBadInputAndUnknownMailboxesAndChangesNothing() throws Exception {
        String hal = mailbox("hal");
        mvc.perform(post("/internal/v1/mailboxes/nobody@alpha.test/sent").contentType(MediaType.APPLICATION_JSON)
                        .header("Authorization", TestInternalSecret.AUTHORIZATION)
                        .content("{\"message_id\":\"x@alpha.test\",\"correspondents\":[\"a@friend.test\"],"
                                + "\"sent_at\":\"2026-11-30T10:00:00Z\"}"))
                .andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith("application/problem+json"));
        for (String body : List.of(
                "{\"message_id\":\"x@alpha.test\",\"correspondents\":[\"not an address\"],\"sent_at\":\"2026-11-30T10:00:00Z\"}",
                "{\"correspondents\":[\"a@friend.test\"],\"sent_at\":\"2026-11-30T10:00:00Z\"}",
                "{\"message_id\":\"x@alpha.test\",\"correspondents\":[\"a@friend.test\"]}",
                "{\"message_id\":\"x@alpha.test\",\"correspondents\":[\"a@friend.test\"],\"sent_at\":\"yesterday\"}",
                "{\"message_id\":\"x@alpha.test\",\"correspondents\":[\"a@friend.test\"],\"sent_at\":\"2999-01-01T00:00:00Z\"}",
                "{\"message_id\":\"<>\",\"correspondents\":[],\"sent_at\":\"2026-11-30T10:00:00Z\"}",
                "[]", "{")) {
            mvc.perform(post("/internal/v1/mailboxes/" + hal + "/sent").contentType(MediaType.APPLICATION_JSON)
                            .header("Authorization", TestInternalSecret.AUTHORIZATION)
                            .content(body))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentTypeCompatibleWith("application/problem+json"));
        }
        assertThat(jdbc.sql("SELECT count(*) FROM sent_message WHERE mailbox = ?").param(hal).query(Integer.class)
                .single()).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM correspondent WHERE mailbox = ?").param(hal).query(Integer.class)
                .single()).isZero();
    }

    @Test
    void aReplyToTheUsersOwnMailIsFetchedAtOnceFromAnyoneAndOnlyThat() throws Exception {
        String gus = mailbox("gus");
        String ida = mailbox("ida");
        String zed = "zed" + UUID.randomUUID().toString().substring(0, 6) + "@stranger.test";
        String mine = UUID.randomUUID() + "@alpha.test";
        String idas = UUID.randomUUID() + "@alpha.test";
        String old = UUID.randomUUID() + "@alpha.test";
        reportSent(gus, "<" + mine + ">", Instant.now().minus(Duration.ofDays(89)), "bob@friend.test");
        reportSent(ida, idas, Instant.now(), "bob@friend.test");
        reportSent(gus, old, Instant.now().minus(Duration.ofDays(91)), "bob@friend.test");

        blocksBeat(gus, gus, zed, "reply", ReplyHint.of(mine, gus));
        assertFetched(notify(zed, gus, ReplyHint.of("unrelated@friend.test", gus), ReplyHint.of(mine, gus)), gus,
                "reply");
        // a hint that matches nothing gus sent, one for a message ida sent (as gus and as ida would get it), one
        // for a message gus sent longer ago than the window
        assertHeld(notify(zed, gus, ReplyHint.of("unrelated@friend.test", gus)), gus);
        assertHeld(notify(zed, gus, ReplyHint.of(idas, gus)), gus);
        assertHeld(notify(zed, gus, ReplyHint.of(idas, ida)), gus);
        assertHeld(notify(zed, gus, ReplyHint.of(old, gus)), gus);
        // a hint for gus's message sent to ida opens nothing for ida
        assertHeld(notify(zed, ida, ReplyHint.of(mine, ida)), ida);
        assertFetched(notify(zed, ida, ReplyHint.of(idas, ida)), ida, "reply");
    }

    @Test
    void aReplyReportedAsSpamStopsEveryMessageItsHintsMatchedOpeningTheDoor() throws Exception {
        String jan = mailbox("jan");
        String sent = UUID.randomUUID() + "@alpha.test";
        String earlier = UUID.randomUUID() + "@alpha.test";
        reportSent(jan, sent, Instant.now(), "bob@friend.test");
        reportSent(jan, earlier, Instant.now().minus(Duration.ofDays(1)), "bob@friend.test");
        String mallory = "mallory@stranger.test";
        String hint = ReplyHint.of(sent, jan);
        String earlierHint = ReplyHint.of(earlier, jan);
        Sent reply = notifyServing(mallory, jan, "From: " + mallory + "\r\nTo: " + jan + "\r\nSubject: Re: lunch\r\n"
                + "In-Reply-To: <" + sent + ">\r\nReferences: <" + earlier + "> <" + sent + ">\r\n\r\nBuy now\r\n",
                hint, earlierHint);
        assertFetched(reply, jan, "reply");
        UUID message = await("the reply fetched and stored").atMost(Duration.ofSeconds(30))
                .until(() -> jdbc.sql("SELECT m.id FROM message m WHERE m.notice = ?")
                        .param(notice(reply).orElseThrow().id()).query(UUID.class).optional(), Optional::isPresent)
                .orElseThrow();

        mvc.perform(post("/api/v1/inbox/messages/" + message + "/spam").with(as(jan))).andExpect(status().isOk());
        // both threads the spam named are closed to hints, not only the one matched first
        assertHeld(notify("eve@stranger.test", jan, hint), jan);
        assertHeld(notify("eve@stranger.test", jan, earlierHint), jan);
        // another message of jan's still opens the door
        String next = UUID.randomUUID() + "@alpha.test";
        reportSent(jan, next, Instant.now(), "bob@friend.test");
        assertFetched(notify("eve@stranger.test", jan, ReplyHint.of(next, jan)), jan, "reply");
    }

    @Test
    void tagsAreFetchedAtOnceBlockedOneByOneAndShownOnRequestsAndMessages() throws Exception {
        String ivy = mailbox("ivy");
        String local = ivy.substring(0, ivy.indexOf('@'));
        mvc.perform(post("/api/v1/inbox/tags").with(as(ivy)).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"tag\":\"shop\"}"))
                .andExpect(status().isCreated())
                .andExpect(jsonPath("$.tag").value("shop"))
                .andExpect(jsonPath("$.address").value(local + "+shop@alpha.test"))
                .andExpect(jsonPath("$.blocked").value(false))
                .andExpect(jsonPath("$.created_at").isString());
        mvc.perform(post("/api/v1/inbox/tags").with(as(ivy)).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"tag\":\"shop\"}"))
                .andExpect(status().isConflict())
                .andExpect(content().contentTypeCompatibleWith("application/problem+json"));
        for (String bad : List.of("{\"tag\":\"Shop\"}", "{\"tag\":\"\"}", "{\"tag\":\"a+b\"}", "{}",
                "{\"tag\":\"" + "x".repeat(33) + "\"}", "{\"tag\":\"dots.\"}")) {
            mvc.perform(post("/api/v1/inbox/tags").with(as(ivy)).contentType(MediaType.APPLICATION_JSON).content(bad))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentTypeCompatibleWith("application/problem+json"));
        }
        mvc.perform(post("/api/v1/inbox/tags").with(as(ivy)).contentType(MediaType.APPLICATION_JSON)
                .content("{\"tag\":\"club\"}")).andExpect(status().isCreated());
        mvc.perform(get("/api/v1/inbox/tags?limit=1").with(as(ivy)))
                .andExpect(jsonPath("$.tags[0].tag").value("club"))
                .andExpect(jsonPath("$.next").isString());

        String shop = local + "+shop@alpha.test";
        String sender = "deals" + UUID.randomUUID().toString().substring(0, 6) + "@stranger.test";
        Sent newsletter = notifyServing(sender, shop, "From: " + sender + "\r\nTo: " + shop + "\r\nSubject: Welcome\r\n\r\nHi\r\n");
        assertFetched(newsletter, ivy, "tag");
        assertThat(notice(newsletter).orElseThrow().tag()).isEqualTo("shop");
        await("the newsletter stored").atMost(Duration.ofSeconds(30)).until(() -> jdbc
                .sql("SELECT count(*) FROM message WHERE notice = ?").param(notice(newsletter).orElseThrow().id())
                .query(Integer.class).single() == 1);
        mvc.perform(get("/api/v1/inbox/messages").with(as(ivy)))
                .andExpect(jsonPath("$.messages[0].tag").value("shop"));
        blocksBeat(ivy, shop, sender, "tag");

        // a blocked tag is refused whoever sends to it, and nothing is stored
        mvc.perform(put("/api/v1/inbox/tags/shop").with(as(ivy)).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"blocked\":true}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.blocked").value(true));
        assertBlocked(notify(sender, shop));
        assertBlocked(notify("spammer@stranger.test", shop));
        assertHeld(notify("spammer@stranger.test", ivy), ivy);
        mvc.perform(put("/api/v1/inbox/tags/shop").with(as(ivy)).contentType(MediaType.APPLICATION_JSON)
                .content("{}")).andExpect(status().isBadRequest());
        mvc.perform(put("/api/v1/inbox/tags/nope").with(as(ivy)).contentType(MediaType.APPLICATION_JSON)
                .content("{\"blocked\":true}")).andExpect(status().isNotFound());

        // a tag never created (or removed) is the plain address: a stranger waits, and the request shows the tag
        Sent unknown = notify("someone@stranger.test", local + "+random@alpha.test");
        assertHeld(unknown, ivy);
        mvc.perform(delete("/api/v1/inbox/tags/shop").with(as(ivy))).andExpect(status().isNoContent());
        assertHeld(notify(sender, shop), ivy);
        mvc.perform(get("/api/v1/inbox/requests/" + notice(unknown).orElseThrow().id()).with(as(ivy)))
                .andExpect(jsonPath("$.tag").value("random"));
        // the base mailbox must exist
        assertThat(outcome(notify(sender, "nobody" + UUID.randomUUID().toString().substring(0, 6) + "+shop@alpha.test")))
                .isEqualTo("unknown");
    }

    @Test
    void anUnguessableTagCarriesARandomPartSoThatNoOneFindsItByTryingNames() throws Exception {
        String vic = mailbox("vic");
        String local = vic.substring(0, vic.indexOf('@'));
        String first = json.readTree(mvc.perform(post("/api/v1/inbox/tags").with(as(vic))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"tag\":\"shop\",\"unguessable\":true}"))
                .andExpect(status().isCreated()).andReturn().getResponse().getContentAsString()).get("tag").asString();
        String second = json.readTree(mvc.perform(post("/api/v1/inbox/tags").with(as(vic))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"tag\":\"shop\",\"unguessable\":true}"))
                .andExpect(status().isCreated()).andReturn().getResponse().getContentAsString()).get("tag").asString();
        assertThat(first).matches("shop\\.[a-z0-9]{8}").isNotEqualTo(second);
        mvc.perform(post("/api/v1/inbox/tags").with(as(vic)).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"unguessable\":true}"))
                .andExpect(status().isCreated())
                .andExpect(jsonPath("$.tag").value(matchesPattern("[a-z0-9]{8}")));
        mvc.perform(post("/api/v1/inbox/tags").with(as(vic)).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"tag\":\"" + "x".repeat(24) + "\",\"unguessable\":true}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith("application/problem+json"));

        // the guessable name alone is a tag never created: a stranger trying it waits; the real one is fetched
        String sender = "deals" + UUID.randomUUID().toString().substring(0, 6) + "@stranger.test";
        assertHeld(notify(sender, local + "+shop@alpha.test"), vic);
        assertFetched(notify(sender, local + "+" + first + "@alpha.test"), vic, "tag");
    }

    /** One notification from {@code from} to several addresses, its message served for the fetch. */
    record Many(Notification notification, List<String> outcomes) {
    }

    Many notifyMany(String from, String... to) throws Exception {
        PeerDomains.Peer peer = PEERS.peer(from.substring(from.indexOf('@') + 1));
        String content = "From: " + from + "\r\nTo: " + String.join(", ", to) + "\r\nSubject: Hello "
                + UUID.randomUUID() + "\r\n\r\nHi\r\n";
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        Notification plain = Notifications.notification(peer, from, ContentDigest.sha256(bytes), "Hello", to);
        Notification n = new Notification(plain.id(), from, plain.recipients(), plain.subject(), bytes.length,
                ContentDigest.sha256(bytes), plain.fetchUrl(), plain.sentAt(), plain.expiresAt());
        peer.fetchAnswers.put(n.id(), new PeerDomains.Answer(200, "message/rfc822", content, Map.of()));
        HttpResponse<String> response = Notifications.send(peer, n, port, Map.of());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new Many(n, json.readTree(response.body()).get("recipients").findValuesAsString("outcome"));
    }

    @Test
    void aMailboxNamedTwiceInOneNotificationGetsOneCopyDecidedByItsMostWantedAddressAndReportedForBoth()
            throws Exception {
        String una = mailbox("una");
        String tagged = una.replace("@", "+list@");
        mvc.perform(post("/api/v1/inbox/tags").with(as(una)).contentType(MediaType.APPLICATION_JSON)
                .content("{\"tag\":\"list\"}")).andExpect(status().isCreated());
        PeerDomains.Peer peer = PEERS.peer("stranger.test");
        // the plain address alone would be held (a stranger), the tag fetches at once: whichever comes first
        for (List<String> order : List.of(List.of(una, tagged), List.of(tagged, una))) {
            Many sent = notifyMany("list@stranger.test", order.toArray(String[]::new));
            assertThat(sent.outcomes()).containsExactly("accepted", "accepted");
            List<Notice> notices = jdbc.sql("SELECT n.id, n.recipient, n.state, n.policy, n.tag FROM notice n"
                            + " JOIN notification f ON f.id = n.notification WHERE f.notification_id = ?")
                    .param(sent.notification().id())
                    .query((rs, i) -> new Notice(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                            rs.getString(4), rs.getString(5)))
                    .list();
            assertThat(notices).as("one copy for the mailbox").hasSize(1);
            assertThat(notices.get(0).policy()).isEqualTo("tag");
            assertThat(notices.get(0).tag()).isEqualTo("list");
            // one fetch, and the sender hears "stored" for both addresses it notified
            List<String> reports = await("the stored report").atMost(Duration.ofSeconds(30))
                    .until(() -> peer.statusReports.getOrDefault(sent.notification().id(), List.of()), r -> !r.isEmpty());
            assertThat(json.readTree(reports.get(0)).get("recipients").findValuesAsString("address"))
                    .containsExactlyInAnyOrderElementsOf(order);
            assertThat(json.readTree(reports.get(0)).get("recipients").findValuesAsString("status"))
                    .containsOnly("stored");
            assertThat(peer.fetches.get(sent.notification().id()).get()).isEqualTo(1);
        }

        // with the tag blocked, the plain address still decides: held, not refused, and declining is reported for both
        mvc.perform(put("/api/v1/inbox/tags/list").with(as(una)).contentType(MediaType.APPLICATION_JSON)
                .content("{\"blocked\":true}")).andExpect(status().isOk());
        Many held = notifyMany("list@stranger.test", tagged, una);
        assertThat(held.outcomes()).containsExactly("accepted", "accepted");
        UUID request = jdbc.sql("SELECT n.id FROM notice n JOIN notification f ON f.id = n.notification"
                + " WHERE f.notification_id = ? AND n.state = 'requested'").param(held.notification().id())
                .query(UUID.class).single();
        mvc.perform(post("/api/v1/inbox/requests/" + request + "/decline").with(as(una)))
                .andExpect(status().is2xxSuccessful());
        List<String> reports = await("the declined report").atMost(Duration.ofSeconds(30))
                .until(() -> peer.statusReports.getOrDefault(held.notification().id(), List.of()), r -> !r.isEmpty());
        assertThat(json.readTree(reports.get(0)).get("recipients").findValuesAsString("address"))
                .containsExactlyInAnyOrder(una, tagged);
        assertThat(json.readTree(reports.get(0)).get("recipients").findValuesAsString("status")).containsOnly("declined");

        // blocked through every address: refused for each, nothing stored
        userRule(una, "blocklist", "list@stranger.test", true);
        Many refused = notifyMany("list@stranger.test", una, tagged);
        assertThat(refused.outcomes()).containsExactly("blocked", "blocked");
    }

    @Test
    void aDomainTheUserTrustsIsFetchedAtOnceForThatUserOnly() throws Exception {
        String kim = mailbox("kim");
        String lou = mailbox("lou");
        String ann = "ann" + UUID.randomUUID().toString().substring(0, 6) + "@partner.test";
        userRule(kim, "allowlist", "partner.test", true);
        mvc.perform(get("/api/v1/inbox/allowlist").with(as(kim))).andExpect(jsonPath("$.entries[0]").value("partner.test"));
        blocksBeat(kim, kim, ann, "trusted-domain");
        assertHeld(notify(ann, lou), lou);
    }

    @Test
    void thePartnersOnTheDomainsAllowListAreFetchedAtOnceForEveryMailbox() throws Exception {
        String max = mailbox("max");
        String ned = mailbox("ned");
        String bea = "bea" + UUID.randomUUID().toString().substring(0, 6) + "@partner.test";
        domainRule("allowlist", "partner.test", true);
        try {
            assertFetched(notify(bea, max), max, "on this domain's allow list");
            assertFetched(notify(bea, ned), ned, "on this domain's allow list");
            userRule(ned, "blocklist", bea, true);
            assertBlocked(notify(bea, ned));
        } finally {
            domainRule("allowlist", "partner.test", false);
        }
        assertHeld(notify(bea, max), max);
    }
}
