package org.pullmail.outbox.sender;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.pullmail.outbox.sender.AccountViews.Account;
import org.pullmail.outbox.sender.AccountViews.LimitsUpdate;
import org.pullmail.outbox.sender.AccountViews.ProvisionedSender;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.ProblemAdvice;
import org.pullmail.service.PullmailProperties;
import org.pullmail.service.ResourceServerSecurity;
import org.pullmail.testing.TestInternalSecret;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

/**
 * The account and provisioning endpoints as HTTP: what they accept, what they refuse with a problem before
 * the service is asked, and the JSON they answer. The service layer is a stand-in here; the database
 * behind it is tested in {@link SenderRepositoryTest}.
 */
@WebMvcTest({SenderProvisioningController.class, AccountController.class})
@Import({ProblemAdvice.class, ResourceServerSecurity.class})
class AccountWebTest {

    /**
     * The services' own security chains, as in production. Boot 4's slice brings no web security of its own
     * (that is in spring-boot-security-test); the JWT decoder reads the domain's properties, and is not called:
     * tokens are made by {@code jwt()}.
     */
    @TestConfiguration
    @EnableWebSecurity
    @EnableConfigurationProperties(PullmailProperties.class)
    static class ServiceSecurity {
    }

    static final Instant CREATED = Instant.parse("2026-12-01T10:15:30Z");

    @Autowired
    MockMvc mvc;
    @MockitoBean
    AccountService accounts;

    /** The gateway's provisioning call, with the domain's internal secret. */
    static MockHttpServletRequestBuilder provision(String address) {
        return put("/internal/v1/senders/" + address).header("Authorization", TestInternalSecret.AUTHORIZATION);
    }

    static RequestPostProcessor as(String address) {
        return jwt().jwt(j -> j.subject(address)).authorities(new SimpleGrantedAuthority("ROLE_USER"));
    }

    @Test
    void provisioningWithoutABodyAnswersWhetherThisCallCreatedTheAccount() throws Exception {
        when(accounts.provision("ann@alpha.test")).thenReturn(new ProvisionedSender("ann@alpha.test", true, CREATED));
        // as the gateway of before calls it: no body, no Content-Type
        mvc.perform(provision("ann@alpha.test"))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(content().json("""
                        {"address":"ann@alpha.test","created":true,"created_at":"2026-12-01T10:15:30Z"}""", true));
    }

    @Test
    void provisioningWithTheSameAddressInTheBodyIsTheSameCall() throws Exception {
        when(accounts.provision("ann@alpha.test")).thenReturn(new ProvisionedSender("ann@alpha.test", false, CREATED));
        mvc.perform(provision("ann@alpha.test").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"address\":\"ann@alpha.test\"}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.created").value(false))
                .andExpect(jsonPath("$.created_at").value("2026-12-01T10:15:30Z"));
        verify(accounts).provision("ann@alpha.test");
    }

    @Test
    void aBodyThatNamesAnotherAddressOrNoneOrIsNotJsonIsA400ProblemAndProvisionsNothing() throws Exception {
        for (String body : new String[] {"{\"address\":\"eve@alpha.test\"}", "{}", "{\"address\":\"  \"}",
                "{\"address\":", "[\"ann@alpha.test\"]"}) {
            mvc.perform(provision("ann@alpha.test").contentType(MediaType.APPLICATION_JSON).content(body))
                    .andExpect(status().isBadRequest())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.type").value("https://pullmail.org/problems/invalid-request"));
        }
        mvc.perform(provision("ann@alpha.test").contentType(MediaType.APPLICATION_JSON).content("{}"))
                .andExpect(jsonPath("$.detail").value("address: is required"));
        verifyNoInteractions(accounts);
    }

    @Test
    void anAddressTheServiceRefusesIsA400Problem() throws Exception {
        when(accounts.provision("mallory@beta.test"))
                .thenThrow(ApiProblem.invalid("mallory@beta.test is not an address of alpha.test"));
        mvc.perform(provision("mallory@beta.test"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value("mallory@beta.test is not an address of alpha.test"));
    }

    @Test
    void theAccountIsShownToItsUserOnlyWithAToken() throws Exception {
        when(accounts.account("ann@alpha.test")).thenReturn(new Account("ann@alpha.test",
                new SenderAccount.Limits(200, 1000, 100, 1_073_741_824L, false), 4096));
        mvc.perform(get("/api/v1/outbox/account"))
                .andExpect(status().isUnauthorized())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        mvc.perform(get("/api/v1/outbox/account").with(as("ann@alpha.test")))
                .andExpect(status().isOk())
                .andExpect(content().json("""
                        {"address":"ann@alpha.test","stored_bytes":4096,
                         "limits":{"messages_per_hour":200,"messages_per_day":1000,"recipients":100,
                                   "quota_bytes":1073741824,"keep_sent_copies":false}}""", true));
    }

    @Test
    void onlyAnAdminSetsAnAccountsLimits() throws Exception {
        when(accounts.limit(any(), any())).thenReturn(new Account("ann@alpha.test",
                new SenderAccount.Limits(2, 1000, 100, 1_073_741_824L, false), 0));
        mvc.perform(put("/api/v1/admin/outbox/accounts/ann@alpha.test/limits").with(as("ann@alpha.test"))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"messages_per_hour\":2}"))
                .andExpect(status().isForbidden())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        verifyNoInteractions(accounts);
        mvc.perform(put("/api/v1/admin/outbox/accounts/ann@alpha.test/limits")
                        .with(jwt().jwt(j -> j.subject("admin@alpha.test"))
                                .authorities(new SimpleGrantedAuthority("ROLE_ADMIN")))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"messages_per_hour\":2}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.limits.messages_per_hour").value(2));
        verify(accounts).limit("ann@alpha.test", new LimitsUpdate(2, null, null, null));
    }
}
