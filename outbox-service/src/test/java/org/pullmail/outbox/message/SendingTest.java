package org.pullmail.outbox.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.service.MessageBytes;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

/** What the sender can submit, and the limits that refuse it without queueing anything. */
@SpringBootTest
@AutoConfigureMockMvc
class SendingTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "outbox_component_test");
    }

    @Autowired
    MockMvc mvc;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    MessageBytes messageBytes;

    static RequestPostProcessor as(String address) {
        return jwt().jwt(j -> j.subject(address)).authorities(new SimpleGrantedAuthority("ROLE_USER"));
    }

    static RequestPostProcessor admin() {
        return jwt().jwt(j -> j.subject("admin@alpha.test")).authorities(new SimpleGrantedAuthority("ROLE_ADMIN"));
    }

    @BeforeEach
    void senders() {
        jdbc.sql("INSERT INTO sender (address) VALUES ('alice@alpha.test'), ('lim@alpha.test'), ('quota@alpha.test') "
                + "ON CONFLICT DO NOTHING").update();
    }

    int queued(String sender) {
        return jdbc.sql("SELECT count(*) FROM signal_request s JOIN message m ON m.id = s.message_id WHERE m.sender = ?")
                .param(sender).query(Integer.class).single()
                + jdbc.sql("SELECT count(*) FROM message WHERE sender = ?").param(sender).query(Integer.class).single();
    }

    byte[] stored(String id) {
        long size = jdbc.sql("SELECT size FROM message WHERE id = ?::uuid").param(id).query(Long.class).single();
        try (InputStream in = messageBytes.reader(UUID.fromString(id), size)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static MimeMessage parse(byte[] bytes) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));
    }

    static String id(MvcResult result) throws Exception {
        String body = result.getResponse().getContentAsString();
        return body.replaceAll("(?s).*?\"id\":\"([^\"]+)\".*", "$1");
    }

    @Test
    void aBinaryAttachmentAndANonAsciiSubjectAndAnInlineImageSurviveExactly() throws Exception {
        byte[] binary = new byte[150 * 1024];
        new Random(5).nextBytes(binary);
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 1, 2, 3};
        String subject = "Grüße aus Köln — 東京 📬";
        String json = """
                {"to":["bob@beta.test"],"cc":["carol@gamma.test"],"subject":"%s","text":"Hallo Bob, schöne Grüße",
                 "html":"<p>Hallo <img src=\\"cid:logo\\"></p>",
                 "attachments":[{"filename":"données.bin","contentType":"application/octet-stream","content":"%s"},
                                {"filename":"logo.png","content_type":"image/png","content":"%s","content_id":"logo"}]}"""
                .formatted(subject, Base64.getEncoder().encodeToString(binary), Base64.getEncoder().encodeToString(png));
        var result = mvc.perform(post("/api/v1/outbox/messages").with(as("alice@alpha.test"))
                        .contentType(MediaType.APPLICATION_JSON).content(json))
                .andExpect(status().isCreated())
                .andExpect(jsonPath("$.recipients.length()").value(2))
                .andReturn();
        String id = id(result);
        MimeMessage message = parse(stored(id));
        assertThat(message.getSubject()).isEqualTo(subject);
        assertThat(new String(stored(id), StandardCharsets.US_ASCII)).contains("Subject: =?UTF-8?");
        Multipart mixed = (Multipart) message.getContent();
        Part attachment = mixed.getBodyPart(1);
        assertThat(attachment.getFileName()).isEqualTo("données.bin");
        assertThat(attachment.getInputStream().readAllBytes()).isEqualTo(binary);
        assertThat(new String(stored(id), StandardCharsets.US_ASCII)).contains("multipart/related", "Content-ID: <logo>");
        assertThat(jdbc.sql("SELECT count(DISTINCT recipient_domain) FROM signal_request WHERE message_id = ?::uuid")
                .param(id).query(Integer.class).single()).as("one notification per recipient domain").isEqualTo(2);
    }

    @Test
    void multipartFormDataCarriesFiles() throws Exception {
        byte[] pdf = "%PDF-1.7 pretend".getBytes(StandardCharsets.US_ASCII);
        var result = mvc.perform(multipart("/api/v1/outbox/messages").file(new MockMultipartFile("attachments",
                                "report.pdf", "application/pdf", pdf))
                        .param("to", "bob@beta.test").param("subject", "Report").param("text", "attached")
                        .with(as("alice@alpha.test")))
                .andExpect(status().isCreated()).andReturn();
        Multipart mixed = (Multipart) parse(stored(id(result))).getContent();
        assertThat(mixed.getBodyPart(1).getFileName()).isEqualTo("report.pdf");
        assertThat(mixed.getBodyPart(1).getInputStream().readAllBytes()).isEqualTo(pdf);
    }

    @Test
    void aRawMessageIsKeptExactlyButForBccAndItsFromMustBeTheAccount() throws Exception {
        String raw = "From: Alice <alice@alpha.test>\r\nTo: bob@beta.test\r\nBcc: secret@gamma.test,\r\n hidden@beta.test\r\n"
                + "Subject: Raw\r\nMessage-ID: <raw-1@alpha.test>\r\nDate: Thu, 26 Nov 2026 12:00:00 +0000\r\n\r\nBody\r\n";
        var result = mvc.perform(post("/api/v1/outbox/messages").with(as("alice@alpha.test"))
                        .contentType("message/rfc822").content(raw.getBytes(StandardCharsets.US_ASCII)))
                .andExpect(status().isCreated())
                .andExpect(jsonPath("$.recipients.length()").value(3)).andReturn();
        assertThat(new String(stored(id(result)), StandardCharsets.US_ASCII)).isEqualTo(
                "From: Alice <alice@alpha.test>\r\nTo: bob@beta.test\r\n"
                        + "Subject: Raw\r\nMessage-ID: <raw-1@alpha.test>\r\nDate: Thu, 26 Nov 2026 12:00:00 +0000\r\n\r\nBody\r\n");

        int before = queued("alice@alpha.test");
        mvc.perform(post("/api/v1/outbox/messages").with(as("alice@alpha.test")).contentType("message/rfc822")
                        .content(raw.replace("alice@alpha.test", "ceo@alpha.test").getBytes(StandardCharsets.US_ASCII)))
                .andExpect(status().isForbidden())
                .andExpect(jsonPath("$.type").value("https://pullmail.org/problems/from-not-account"));
        assertThat(queued("alice@alpha.test")).isEqualTo(before);
    }

    @Test
    void overALimitTheAnswerIs429Or413AndNothingIsQueued() throws Exception {
        mvc.perform(put("/api/v1/admin/outbox/accounts/lim@alpha.test/limits").with(admin())
                        .contentType(MediaType.APPLICATION_JSON).content("{\"messages_per_hour\":2,\"recipients\":3}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.limits.messages_per_hour").value(2));
        mvc.perform(put("/api/v1/admin/outbox/accounts/lim@alpha.test/limits").with(as("lim@alpha.test"))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"messages_per_hour\":1000}"))
                .andExpect(status().isForbidden());
        String one = "{\"to\":[\"bob@beta.test\"],\"subject\":\"x\",\"text\":\"y\"}";
        for (int i = 0; i < 2; i++) {
            mvc.perform(post("/api/v1/outbox/messages").with(as("lim@alpha.test")).contentType(MediaType.APPLICATION_JSON)
                    .content(one)).andExpect(status().isCreated());
        }
        int before = queued("lim@alpha.test");
        mvc.perform(post("/api/v1/outbox/messages").with(as("lim@alpha.test")).contentType(MediaType.APPLICATION_JSON)
                        .content(one))
                .andExpect(status().isTooManyRequests())
                .andExpect(header().exists("Retry-After"))
                .andExpect(jsonPath("$.type").value("https://pullmail.org/problems/sending-rate-exceeded"));
        mvc.perform(put("/api/v1/admin/outbox/accounts/lim@alpha.test/limits").with(admin())
                        .contentType(MediaType.APPLICATION_JSON).content("{\"recipients\":3}"))
                .andExpect(status().isOk());
        mvc.perform(post("/api/v1/outbox/messages").with(as("lim@alpha.test")).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"to\":[\"a@b.test\",\"c@b.test\",\"d@b.test\",\"e@b.test\"],\"text\":\"y\"}"))
                .andExpect(status().isPayloadTooLarge())
                .andExpect(jsonPath("$.type").value("https://pullmail.org/problems/too-many-recipients"));
        assertThat(queued("lim@alpha.test")).as("refusals queue nothing").isEqualTo(before);

        mvc.perform(put("/api/v1/admin/outbox/accounts/quota@alpha.test/limits").with(admin())
                .contentType(MediaType.APPLICATION_JSON).content("{\"quota_bytes\":2000}")).andExpect(status().isOk());
        int quotaBefore = queued("quota@alpha.test");
        mvc.perform(post("/api/v1/outbox/messages").with(as("quota@alpha.test")).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"to\":[\"bob@beta.test\"],\"text\":\"" + "x".repeat(3000) + "\"}"))
                .andExpect(status().isPayloadTooLarge())
                .andExpect(jsonPath("$.type").value("https://pullmail.org/problems/quota-exceeded"));
        assertThat(queued("quota@alpha.test")).isEqualTo(quotaBefore);
        mvc.perform(get("/api/v1/outbox/account").with(as("quota@alpha.test")))
                .andExpect(jsonPath("$.limits.quota_bytes").value(2000))
                .andExpect(jsonPath("$.stored_bytes").value(0));
    }

    @Test
    void badSubmissionsGetProblems() throws Exception {
        mvc.perform(post("/api/v1/outbox/messages").with(as("alice@alpha.test")).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"to\":[\"bob@beta.test\"],\"attachments\":[{\"filename\":\"a\",\"content\":\"!!!\"}]}"))
                .andExpect(status().isBadRequest());
        mvc.perform(post("/api/v1/outbox/messages").with(as("alice@alpha.test")).contentType("message/rfc822")
                        .content("no headers at all"))
                .andExpect(status().is4xxClientError());
        mvc.perform(get("/api/v1/outbox/messages?state=flying").with(as("alice@alpha.test")))
                .andExpect(status().isBadRequest());
        mvc.perform(post("/api/v1/outbox/messages").with(as("nobody@alpha.test")).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"to\":[\"bob@beta.test\"]}"))
                .andExpect(status().isForbidden());
    }

    @Test
    void aSubjectWithANulOrAnotherControlCharacterIsRefusedAndNothingQueued() throws Exception {
        jdbc.sql("INSERT INTO sender (address) VALUES ('nul@alpha.test') ON CONFLICT DO NOTHING").update();
        mvc.perform(post("/api/v1/outbox/messages").with(as("nul@alpha.test")).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"to\":[\"bob@beta.test\"],\"subject\":\"a\\u0000b\",\"text\":\"hi\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(header().string("Content-Type", Matchers.startsWith("application/problem+json")));
        mvc.perform(post("/api/v1/outbox/messages").with(as("nul@alpha.test")).contentType(MediaType.APPLICATION_JSON)
                        .content("{\"to\":[\"bob@beta.test\"],\"subject\":\"bell\\u0007\",\"text\":\"hi\"}"))
                .andExpect(status().isBadRequest());
        // the same NUL, encoded in a raw message's header
        byte[] raw = ("From: nul@alpha.test\r\nTo: bob@beta.test\r\nSubject: =?UTF-8?Q?a=00b?=\r\n\r\nHello\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        mvc.perform(post("/api/v1/outbox/messages").with(as("nul@alpha.test")).contentType("message/rfc822").content(raw))
                .andExpect(status().isBadRequest());
        assertThat(queued("nul@alpha.test")).isZero();
    }
}
