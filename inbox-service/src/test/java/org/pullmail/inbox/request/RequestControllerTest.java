package org.pullmail.inbox.request;

import static org.hamcrest.Matchers.containsString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.jwt;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.inbox.WebSliceSecurity;
import org.pullmail.inbox.mailbox.Mailboxes;
import org.pullmail.inbox.notice.NoticeState;
import org.pullmail.inbox.reputation.Reputation;
import org.pullmail.service.PageCursor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

/** The requests API as HTTP: what it parses and refuses before any service runs, and the JSON it answers. */
@WebMvcTest(RequestController.class)
@Import(WebSliceSecurity.class)
class RequestControllerTest {

    static final String BOB = "bob@alpha.test";

    @Autowired
    MockMvc mvc;
    @MockitoBean
    Requests requests;
    @MockitoBean
    Mailboxes mailboxes;

    @BeforeEach
    void bobHasAMailbox() {
        given(mailboxes.of(any(Jwt.class))).willReturn(BOB);
    }

    static Request request(UUID id) {
        Reputation.Score sender = new Reputation.Score("deals@shop.example", 3, 0, 0, 0, 0, 0.0,
                Instant.parse("2026-11-20T10:30:00Z"));
        Reputation.Score domain = new Reputation.Score("shop.example", 40, 10, 1, 0, 0, 0.25,
                Instant.parse("2026-01-05T08:00:00Z"));
        return new Request(id, "deals@shop.example", "shop.example", sender.firstSeen(), domain.firstSeen(), "Offer",
                1234, Instant.parse("2026-11-30T09:00:00Z"), Instant.parse("2026-12-30T09:00:00Z"), "requested", true,
                "a stranger", sender, domain, null, null);
    }

    @Test
    void aPageOfRequestsIsTheSameJsonAsBeforePlusTheNextCursor() throws Exception {
        UUID id = UUID.randomUUID();
        String next = new PageCursor(Instant.parse("2026-11-30T09:00:00Z"), id.toString()).encode();
        given(requests.list(BOB, 1, null)).willReturn(new PageCursor.Page<>(List.of(request(id)), next));

        mvc.perform(get("/api/v1/inbox/requests?limit=1").with(jwt().jwt(j -> j.subject(BOB))))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.requests[0].id").value(id.toString()))
                .andExpect(jsonPath("$.requests[0].from").value("deals@shop.example"))
                .andExpect(jsonPath("$.requests[0].sender_domain").value("shop.example"))
                .andExpect(jsonPath("$.requests[0].sender_first_seen").value("2026-11-20T10:30:00Z"))
                .andExpect(jsonPath("$.requests[0].domain_first_seen").value("2026-01-05T08:00:00Z"))
                .andExpect(jsonPath("$.requests[0].received_at").value("2026-11-30T09:00:00Z"))
                .andExpect(jsonPath("$.requests[0].bulk").value(true))
                .andExpect(jsonPath("$.requests[0].policy").value("a stranger"))
                .andExpect(jsonPath("$.requests[0].domain_reputation.fetch_ratio").value(0.25))
                .andExpect(jsonPath("$.requests[0].sender_reputation.received").value(3))
                .andExpect(jsonPath("$.next").value(next));
    }

    @Test
    void theLastPageHasNoNextAndTheDefaultLimitIsFiveHundredAsBeforeListsPaged() throws Exception {
        given(requests.list(BOB, 500, null)).willReturn(new PageCursor.Page<>(List.of(), null));
        mvc.perform(get("/api/v1/inbox/requests").with(jwt().jwt(j -> j.subject(BOB))))
                .andExpect(status().isOk())
                .andExpect(content().json("{\"requests\": []}", true));
    }

    @Test
    void aCursorNoListGaveIsA400ProblemAndNothingIsRead() throws Exception {
        mvc.perform(get("/api/v1/inbox/requests?cursor=not-a-cursor").with(jwt().jwt(j -> j.subject(BOB))))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("https://pullmail.org/problems/invalid-request"))
                .andExpect(jsonPath("$.detail").value(containsString("cursor")));
        verifyNoInteractions(requests);
    }

    @Test
    void aDeclineWithAnUnknownReasonOrBlockIsA400ProblemAndNothingIsDecided() throws Exception {
        UUID id = UUID.randomUUID();
        mvc.perform(post("/api/v1/inbox/requests/" + id + "/decline").with(jwt().jwt(j -> j.subject(BOB)))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"reason\":\"maybe\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value("reason is \"unwanted\" or \"spam\""));
        mvc.perform(post("/api/v1/inbox/requests/" + id + "/decline").with(jwt().jwt(j -> j.subject(BOB)))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"block\":\"everyone\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value("block is \"address\" or \"domain\""));
        mvc.perform(post("/api/v1/inbox/requests/" + id + "/decline").with(jwt().jwt(j -> j.subject(BOB)))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"reason\": [\"spam\"]}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        mvc.perform(post("/api/v1/inbox/requests/not-an-id/decline").with(jwt().jwt(j -> j.subject(BOB))))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        verifyNoInteractions(requests);
    }

    @Test
    void aDeclineAsSpamThatBlocksTheDomainIsPassedOnTyped() throws Exception {
        UUID id = UUID.randomUUID();
        given(requests.decline(BOB, id, NoticeState.SPAM, Requests.Block.DOMAIN)).willReturn(request(id));
        mvc.perform(post("/api/v1/inbox/requests/" + id + "/decline").with(jwt().jwt(j -> j.subject(BOB)))
                        .contentType(MediaType.APPLICATION_JSON).content("{\"reason\":\"spam\",\"block\":\"domain\"}"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.id").value(id.toString()));
        verify(requests).decline(BOB, id, NoticeState.SPAM, Requests.Block.DOMAIN);
    }

    @Test
    void acceptingAnswers202WithTheRequest() throws Exception {
        UUID id = UUID.randomUUID();
        given(requests.accept(BOB, id)).willReturn(request(id));
        mvc.perform(post("/api/v1/inbox/requests/" + id + "/accept").with(jwt().jwt(j -> j.subject(BOB))))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.subject").value("Offer"));
    }

    @Test
    void withoutAnAccessTokenTheListIsA401Problem() throws Exception {
        mvc.perform(get("/api/v1/inbox/requests"))
                .andExpect(status().isUnauthorized())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        mvc.perform(get("/api/v1/inbox/requests").header("Authorization", "Bearer forged"))
                .andExpect(status().isUnauthorized());
        verifyNoInteractions(requests);
        verify(mailboxes, never()).of(any());
    }
}
