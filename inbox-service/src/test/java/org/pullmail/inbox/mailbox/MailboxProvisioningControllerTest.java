package org.pullmail.inbox.mailbox;

import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.pullmail.inbox.WebSliceSecurity;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.DomainKeys;
import org.pullmail.testing.TestInternalSecret;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * The provisioning contract with the gateway: {@code PUT /internal/v1/mailboxes/{address}} with no body or
 * {@code {"address": …}} of the same address answers 200 with the mailbox and whether this call created it.
 */
@WebMvcTest(MailboxProvisioningController.class)
@Import(WebSliceSecurity.class)
class MailboxProvisioningControllerTest {

    static final Instant CREATED = Instant.parse("2026-11-30T10:00:00.123456Z");

    @Autowired
    MockMvc mvc;
    @MockitoBean
    Mailboxes mailboxes;
    @MockitoBean
    DomainKeys keys;

    /** The gateway's provisioning call, with the domain's internal secret. */
    static MockHttpServletRequestBuilder provision(String address) {
        return put("/internal/v1/mailboxes/" + address).header("Authorization", TestInternalSecret.AUTHORIZATION);
    }

    @Test
    void withoutABodyItProvisionsAsBeforeAndAnswersTheMailbox() throws Exception {
        given(mailboxes.provision("bob@alpha.test"))
                .willReturn(new Mailboxes.Provisioned("bob@alpha.test", true, CREATED));
        mvc.perform(provision("bob@alpha.test"))
                .andExpect(status().isOk())
                .andExpect(content().json("""
                        {"address": "bob@alpha.test", "created": true, "created_at": "2026-11-30T10:00:00.123456Z"}""",
                        true));
    }

    @Test
    void withTheSameAddressInTheBodyItAnswersWhetherThisCallCreatedIt() throws Exception {
        given(mailboxes.provision("bob@alpha.test"))
                .willReturn(new Mailboxes.Provisioned("bob@alpha.test", false, CREATED));
        mvc.perform(provision("bob@alpha.test").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"address\": \"bob@alpha.test\"}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.created").value(false))
                .andExpect(jsonPath("$.created_at").value("2026-11-30T10:00:00.123456Z"));
    }

    @Test
    void anotherAddressInTheBodyIsA400ProblemAndNothingIsProvisioned() throws Exception {
        mvc.perform(provision("bob@alpha.test").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"address\": \"mallory@alpha.test\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("https://pullmail.org/problems/invalid-request"))
                .andExpect(jsonPath("$.detail").value(
                        "the body's address mallory@alpha.test is not the path's bob@alpha.test"));
        verifyNoInteractions(mailboxes);
    }

    @Test
    void aBodyWithoutAnAddressOrNotJsonIsA400Problem() throws Exception {
        for (String body : new String[] {"{}", "{\"address\": \"  \"}", "{\"address\": ", "[\"bob@alpha.test\"]"}) {
            mvc.perform(provision("bob@alpha.test").contentType(MediaType.APPLICATION_JSON)
                            .content(body))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        }
        verifyNoInteractions(mailboxes);
    }

    @Test
    void anAddressOfAnotherDomainIsTheServicesRefusalAsA400Problem() throws Exception {
        given(mailboxes.provision("bob@beta.test"))
                .willThrow(ApiProblem.invalid("bob@beta.test is not an address of alpha.test"));
        mvc.perform(provision("bob@beta.test"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value("bob@beta.test is not an address of alpha.test"));
    }
}
