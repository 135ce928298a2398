package org.pullmail.inbox.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.pullmail.inbox.Notifications;
import org.pullmail.protocol.Bridged;
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
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

import tools.jackson.databind.ObjectMapper;

/**
 * Mail bridged from SMTP (PROTOCOL.md 3.6), through the real notification endpoint: only this domain's own key
 * may sign a notification that says it came over SMTP; a sender DMARC proved is decided like any sender, one it
 * did not prove is never let in for who it claims to be (contact, colleague), blocks refuse it whatever the
 * results, and the results are shown with the request and the message.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureMockMvc
class BridgedMailTest {

    static final PeerDomains PEERS = peers();

    static PeerDomains peers() {
        try {
            // alpha.test is this inbox's own domain: its bridge signs with a key of alpha.test
            return new PeerDomains("alpha.test", "friend.test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "inbox_bridged_mail_test");
        registry.add("pullmail.domain", () -> "alpha.test");
        registry.add("pullmail.public-url", () -> Notifications.PUBLIC_URL);
        registry.add("pullmail.discovery.allow-private-addresses", () -> "true");
        for (String domain : PEERS.domains()) {
            registry.add("pullmail.discovery.overrides.[" + domain + "]", () -> PEERS.peer(domain).base());
        }
    }

    @AfterAll
    static void stopPeers() {
        PEERS.close();
    }

    static final Bridged PROVEN = new Bridged("192.0.2.25", "mx.legacy.test", "carol@legacy.test", "pass", "pass",
            List.of("legacy.test"), "pass");
    static final Bridged FORGED = new Bridged("198.51.100.9", "spammer.example", "carol@legacy.test", "fail", "none",
            List.of(), "fail");

    @LocalServerPort
    int port;
    @Autowired
    MockMvc mvc;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    ObjectMapper json;

    String mailbox(String name) {
        String address = name + UUID.randomUUID().toString().substring(0, 6) + "@alpha.test";
        jdbc.sql("INSERT INTO mailbox (address) VALUES (?)").param(address).update();
        return address;
    }

    static RequestPostProcessor as(String mailbox) {
        return jwt().jwt(j -> j.subject(mailbox));
    }

    /** A notification of SMTP mail from {@code from} to {@code to}, signed by {@code signer}, its bytes served. */
    HttpResponse<String> bridged(String signer, String from, String to, Bridged smtp, String subject,
            String... hints) throws Exception {
        PeerDomains.Peer peer = PEERS.peer(signer);
        String content = "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n\r\nHello\r\n";
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        Notification plain = Notifications.notification(peer, from, ContentDigest.sha256(bytes), subject, to);
        List<Notification.Recipient> recipients = List.of(new Notification.Recipient(to,
                plain.recipients().get(0).token(), hints.length == 0 ? null : List.of(hints)));
        Notification n = new Notification(plain.id(), from, recipients, subject, bytes.length,
                ContentDigest.sha256(bytes), plain.fetchUrl(), plain.sentAt(), plain.expiresAt(), smtp);
        peer.fetchAnswers.put(n.id(), new PeerDomains.Answer(200, "message/rfc822", content, Map.of()));
        return Notifications.send(peer, n, port, Map.of());
    }

    record Notice(UUID id, String state, String policy) {
    }

    Optional<Notice> notice(String mailbox, String subject) {
        return jdbc.sql("SELECT n.id, n.state, n.policy FROM notice n JOIN notification f ON f.id = n.notification"
                        + " WHERE n.recipient = ? AND f.subject = ?")
                .params(mailbox, subject)
                .query((rs, i) -> new Notice(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3)))
                .optional();
    }

    String outcome(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body()).get("recipients").get(0).get("outcome").asString();
    }

    @Test
    void aContactProvenByDmarcIsFetchedAtOnceAndTheMessageShowsHowSmtpAuthenticatedIt() throws Exception {
        String ann = mailbox("ann");
        mvc.perform(put("/api/v1/inbox/contacts/carol@legacy.test").with(as(ann))).andExpect(status().isNoContent());
        String subject = "Minutes " + UUID.randomUUID();
        assertThat(outcome(bridged("alpha.test", "carol@legacy.test", ann, PROVEN, subject))).isEqualTo("accepted");
        assertThat(notice(ann, subject).orElseThrow().policy()).isEqualTo("a contact");
        await("the message stored").atMost(Duration.ofSeconds(30))
                .until(() -> notice(ann, subject).orElseThrow().state().equals("stored"));
        mvc.perform(get("/api/v1/inbox/messages").with(as(ann)))
                .andExpect(jsonPath("$.messages[0].subject").value(subject))
                .andExpect(jsonPath("$.messages[0].smtp.dmarc").value("pass"))
                .andExpect(jsonPath("$.messages[0].smtp.spf").value("pass"))
                .andExpect(jsonPath("$.messages[0].smtp.dkim_domains[0]").value("legacy.test"))
                .andExpect(jsonPath("$.messages[0].smtp.client_ip").value("192.0.2.25"));
    }

    @Test
    void aContactsAddressSmtpDidNotProveWaitsAsARequestThatShowsTheResults() throws Exception {
        String ben = mailbox("ben");
        mvc.perform(put("/api/v1/inbox/contacts/carol@legacy.test").with(as(ben))).andExpect(status().isNoContent());
        String subject = "Urgent invoice " + UUID.randomUUID();
        assertThat(outcome(bridged("alpha.test", "carol@legacy.test", ben, FORGED, subject))).isEqualTo("accepted");
        Notice held = notice(ben, subject).orElseThrow();
        assertThat(held.state()).isEqualTo("requested");
        assertThat(held.policy()).isEqualTo("a sender SMTP did not prove");
        mvc.perform(get("/api/v1/inbox/requests/" + held.id()).with(as(ben)))
                .andExpect(jsonPath("$.smtp.dmarc").value("fail"))
                .andExpect(jsonPath("$.smtp.spf").value("fail"))
                .andExpect(jsonPath("$.smtp.helo").value("spammer.example"));
        // nor does a colleague's address, forged over SMTP, open the door; an unproven stranger waits as one
        String colleague = mailbox("cal");
        String spoof = "Password reset " + UUID.randomUUID();
        assertThat(outcome(bridged("alpha.test", colleague, ben, FORGED, spoof))).isEqualTo("accepted");
        assertThat(notice(ben, spoof).orElseThrow().policy()).isEqualTo("a sender SMTP did not prove");
        String cold = "Hello " + UUID.randomUUID();
        assertThat(outcome(bridged("alpha.test", "dan@legacy.test", ben, FORGED, cold))).isEqualTo("accepted");
        assertThat(notice(ben, cold).orElseThrow().policy()).isEqualTo("a stranger");
    }

    @Test
    void aReplyHintOpensTheDoorOnlyToASenderSmtpProved() throws Exception {
        String eli = mailbox("eli");
        String sent = UUID.randomUUID() + "@alpha.test";
        HttpResponse<String> reported = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + port + "/internal/v1/mailboxes/" + eli + "/sent"))
                .header("Authorization", TestInternalSecret.AUTHORIZATION).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message_id\":\"" + sent
                        + "\",\"correspondents\":[\"someone@elsewhere.test\"],\"sent_at\":\"" + Instant.now() + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(reported.statusCode()).as(reported.body()).isEqualTo(204);
        String hint = ReplyHint.of(sent, eli);
        // the Message-ID crossed SMTP: anyone on its way could write a "reply"
        String forged = "Re: your order " + UUID.randomUUID();
        assertThat(outcome(bridged("alpha.test", "carol@legacy.test", eli, FORGED, forged, hint))).isEqualTo("accepted");
        assertThat(notice(eli, forged).orElseThrow().policy()).isEqualTo("a sender SMTP did not prove");
        String proven = "Re: your order " + UUID.randomUUID();
        assertThat(outcome(bridged("alpha.test", "carol@legacy.test", eli, PROVEN, proven, hint))).isEqualTo("accepted");
        assertThat(notice(eli, proven).orElseThrow().policy()).isEqualTo("reply");
    }

    @Test
    void forgedMailSpendsNothingOfTheClaimedSendersReputation() throws Exception {
        String fay = mailbox("fay");
        String forger = "ceo@forged" + UUID.randomUUID().toString().substring(0, 6) + ".test";
        for (int i = 0; i < 3; i++) {
            String subject = "Invoice " + UUID.randomUUID();
            assertThat(outcome(bridged("alpha.test", forger, fay, FORGED, subject))).isEqualTo("accepted");
            // the user calls it spam: no mark on the address it claims either
            mvc.perform(post("/api/v1/inbox/requests/" + notice(fay, subject).orElseThrow().id() + "/decline")
                            .with(as(fay)).contentType(MediaType.APPLICATION_JSON).content("{\"reason\":\"spam\"}"))
                    .andExpect(status().isOk());
        }
        assertThat(jdbc.sql("SELECT count(*) FROM sender_reputation WHERE sender IN (?, ?)")
                .params(forger, forger.substring(forger.indexOf('@') + 1)).query(Integer.class).single())
                .as("neither the address nor its domain is marked by mail SMTP did not prove").isZero();
        String real = "Invoice " + UUID.randomUUID();
        assertThat(outcome(bridged("alpha.test", forger, fay, PROVEN, real))).isEqualTo("accepted");
        assertThat(jdbc.sql("SELECT received FROM sender_reputation WHERE sender = ?").param(forger)
                .query(Long.class).single()).isEqualTo(1L);
    }

    @Test
    void aBlockedSenderIsRefusedWhateverSmtpProved() throws Exception {
        String cy = mailbox("cy");
        mvc.perform(put("/api/v1/inbox/blocklist/legacy.test").with(as(cy))).andExpect(status().isNoContent());
        for (Bridged smtp : List.of(PROVEN, FORGED)) {
            String subject = "Offer " + UUID.randomUUID();
            assertThat(outcome(bridged("alpha.test", "carol@legacy.test", cy, smtp, subject))).isEqualTo("blocked");
            assertThat(notice(cy, subject)).isEmpty();
        }
    }

    @Test
    void onlyThisDomainsOwnKeySignsBridgedMailAndItsResultsMustBeWellFormed() throws Exception {
        String dee = mailbox("dee");
        // another domain cannot pass pushed mail off as this domain's bridged mail
        HttpResponse<String> foreign = bridged("friend.test", "carol@legacy.test", dee, PROVEN, "Hi " + UUID.randomUUID());
        assertThat(foreign.statusCode()).as(foreign.body()).isEqualTo(401);
        assertThat(foreign.body()).contains("unknown-key");
        for (Bridged bad : List.of(
                new Bridged("192.0.2.25", "mx.legacy.test", "carol@legacy.test", "maybe", "pass", List.of(), "pass"),
                new Bridged("not-an-ip", "mx.legacy.test", "carol@legacy.test", "pass", "pass", List.of(), "pass"),
                new Bridged("192.0.2.25", "", "carol@legacy.test", "pass", "pass", List.of(), "pass"),
                new Bridged("192.0.2.25", "mx.legacy.test", "carol@legacy.test", "pass", "pass", null, "pass"))) {
            String subject = "Bad " + UUID.randomUUID();
            HttpResponse<String> refused = bridged("alpha.test", "carol@legacy.test", dee, bad, subject);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
            assertThat(refused.body()).contains("invalid-notification");
            assertThat(notice(dee, subject)).isEmpty();
        }
        // a notification without bridged is checked as before: friend.test signs its own user's mail
        HttpResponse<String> plain = bridged("friend.test", "eve@friend.test", dee, null, "Plain " + UUID.randomUUID());
        assertThat(outcome(plain)).isEqualTo("accepted");
    }
}
