package org.pullmail.outbox.signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.pullmail.testing.TestInternalSecret;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

/** The notifier's outcome reports are typed: what the outbox does not understand is refused, changing nothing. */
@SpringBootTest
@AutoConfigureMockMvc
class OutcomeContractTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "outbox_component_test");
    }

    @Autowired
    MockMvc mvc;

    MockHttpServletResponse report(String json) throws Exception {
        return mvc.perform(post("/internal/v1/outcomes").header("Authorization", TestInternalSecret.AUTHORIZATION)
                        .contentType(MediaType.APPLICATION_JSON).content(json))
                .andReturn().getResponse();
    }

    @Test
    void aResultOrAFieldItDoesNotKnowIsA400Problem() throws Exception {
        String message = UUID.randomUUID().toString();
        MockHttpServletResponse unknownResult = report("{\"message_id\":\"" + message
                + "\",\"recipient_domain\":\"beta.test\",\"result\":\"delivered\"}");
        assertThat(unknownResult.getStatus()).isEqualTo(400);
        assertThat(unknownResult.getContentType()).startsWith("application/problem+json");
        MockHttpServletResponse noDomain = report("{\"message_id\":\"" + message + "\",\"result\":\"failed\"}");
        assertThat(noDomain.getStatus()).isEqualTo(400);
        MockHttpServletResponse noAddress = report("{\"message_id\":\"" + message + "\",\"recipient_domain\":\"beta.test\","
                + "\"result\":\"notified\",\"recipients\":[{\"outcome\":\"accepted\"}]}");
        assertThat(noAddress.getStatus()).isEqualTo(400);
    }

    @Test
    void aRecipientOutcomeOfALaterVersionReadsAsAccepted() throws Exception {
        MockHttpServletResponse later = report("{\"message_id\":\"" + UUID.randomUUID()
                + "\",\"notification_id\":\"n1\",\"recipient_domain\":\"beta.test\",\"result\":\"notified\","
                + "\"notified_at\":\"2026-11-30T09:00:00Z\","
                + "\"recipients\":[{\"address\":\"bob@beta.test\",\"outcome\":\"deferred\"}]}");
        assertThat(later.getStatus()).as(later.getContentAsString()).isEqualTo(204);
    }
}
