package org.pullmail.gateway.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.pullmail.gateway.GatewayWithStandIns;
import org.pullmail.gateway.StandInService;
import org.pullmail.gateway.StandInService.Answer;
import org.pullmail.gateway.StandInService.Received;
import org.pullmail.testing.TestInternalSecret;

import tools.jackson.databind.JsonNode;

/**
 * An account is usable once the inbox has its mailbox and the outbox its sender: the gateway asks both with the
 * provisioning contract and counts only an answer that confirms the address. Until both have, the account
 * waits (retried every second) and the gateway is not ready.
 */
class ProvisioningTest extends GatewayWithStandIns {

    @Test
    void anAccountBothServicesConfirmIsProvisionedAtOnceAndCreatingItAgainChangesNothing() throws Exception {
        String admin = login(ADMIN, PASSWORD);
        String request = "{\"address\":\"carol@alpha.test\",\"password\":\"carols-password\"}";
        HttpResponse<String> created = send("POST", "/api/v1/admin/accounts", admin, request);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/admin/accounts/carol@alpha.test");
        JsonNode account = json(created);
        assertThat(account.get("address").asString()).isEqualTo("carol@alpha.test");
        assertThat(account.get("provisioned").asBoolean()).isTrue();
        assertThat(account.get("disabled").asBoolean()).isFalse();
        assertThat(account.get("roles").size()).isEqualTo(1);
        assertThat(account.get("roles").get(0).asString()).isEqualTo("USER");

        assertContractRequest(INBOX, "/internal/v1/mailboxes/carol%40alpha.test", "carol@alpha.test");
        assertContractRequest(OUTBOX, "/internal/v1/senders/carol%40alpha.test", "carol@alpha.test");
        assertThat(login("carol@alpha.test", "carols-password")).isNotBlank();

        // again: both services say it exists already; the answer is 200 and the account unchanged
        Function<Received, Answer> existing = r -> StandInService.provisioned(r, false);
        INBOX.answer(existing);
        OUTBOX.answer(existing);
        HttpResponse<String> again = send("POST", "/api/v1/admin/accounts", admin, request);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).get("provisioned").asBoolean()).isTrue();
        assertThat(readiness().statusCode()).isEqualTo(200);
    }

    @Test
    void whileTheInboxFailsTheAccountWaitsAndTheGatewayIsNotReadyUntilItAnswers() throws Exception {
        INBOX.answer(r -> r.target().startsWith("/internal/v1/mailboxes/")
                ? Answer.json(500, "{\"title\":\"Internal error\"}") : INBOX.usual(r));
        String admin = login(ADMIN, PASSWORD);
        HttpResponse<String> accepted = send("POST", "/api/v1/admin/accounts", admin,
                "{\"address\":\"dave@alpha.test\",\"password\":\"daves-password\"}");
        assertThat(accepted.statusCode()).as("stored, not usable yet").isEqualTo(202);
        assertThat(json(accepted).get("provisioned").asBoolean()).isFalse();

        HttpResponse<String> notReady = readiness();
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(json(notReady).get("status").asString()).isEqualTo("OUT_OF_SERVICE");
        assertThat(provisioned(admin, "dave@alpha.test")).isFalse();
        Awaitility.await("the gateway keeps asking").atMost(Duration.ofSeconds(5))
                .until(() -> INBOX.receivedUnder("/internal/v1/mailboxes/dave%40alpha.test").size() >= 3);
        assertThat(provisioned(admin, "dave@alpha.test")).isFalse();

        INBOX.answer(INBOX::usual);
        Awaitility.await("provisioned once the inbox answers").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(200)).until(() -> readiness().statusCode() == 200);
        assertThat(provisioned(admin, "dave@alpha.test")).isTrue();
    }

    @Test
    void anAnswerThatDoesNotConfirmTheAddressDoesNotCount() throws Exception {
        String admin = login(ADMIN, PASSWORD);
        List<Answer> unconfirming = List.of(new Answer(200, "text/plain", "OK"),
                Answer.json(200, "{\"address\":\"someone-else@alpha.test\",\"created\":true,"
                        + "\"created_at\":\"2026-11-30T10:00:00Z\"}"),
                Answer.json(200, "{\"address\":\"erin@alpha.test\"}"),
                Answer.json(200, "{\"address\":\"erin@alpha.test\",\"created\":true,\"created_at\":\"yesterday\"}"));
        for (Answer answer : unconfirming) {
            OUTBOX.answer(r -> r.target().startsWith("/internal/v1/senders/") ? answer : OUTBOX.usual(r));
            HttpResponse<String> response = send("POST", "/api/v1/admin/accounts", admin,
                    "{\"address\":\"erin@alpha.test\",\"password\":\"erins-password\"}");
            assertThat(response.statusCode()).as(answer.body()).isEqualTo(202);
            assertThat(json(response).get("provisioned").asBoolean()).as(answer.body()).isFalse();
        }
        assertThat(readiness().statusCode()).isEqualTo(503);

        OUTBOX.answer(OUTBOX::usual);
        Awaitility.await("provisioned once the outbox confirms").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(200)).until(() -> provisioned(admin, "erin@alpha.test"));
    }

    /** During a rolling upgrade the services may still answer as before records: an empty 204 said "I hold it". */
    @Test
    void anOlderServicesEmpty204StillProvisions() throws Exception {
        String admin = login(ADMIN, PASSWORD);
        INBOX.answer(r -> r.target().startsWith("/internal/v1/mailboxes/") ? new Answer(204, null, "") : INBOX.usual(r));
        try {
            HttpResponse<String> created = send("POST", "/api/v1/admin/accounts", admin,
                    "{\"address\":\"gina@alpha.test\",\"password\":\"ginas-password\"}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            assertThat(json(created).get("provisioned").asBoolean()).isTrue();
        } finally {
            INBOX.answer(INBOX::usual);
        }
    }

    @Test
    void anAddressOutsideTheDomainIsRefusedAndNothingIsProvisioned() throws Exception {
        String admin = login(ADMIN, PASSWORD);
        for (String body : List.of("{\"address\":\"frank@beta.test\",\"password\":\"franks-password\"}",
                "{\"address\":\"not an address\",\"password\":\"franks-password\"}",
                "{\"address\":\"frank@alpha.test\",\"password\":\"short\"}",
                "{\"address\":\"frank@alpha.test\"}")) {
            assertProblem(send("POST", "/api/v1/admin/accounts", admin, body), 400, "invalid-request");
        }
        assertThat(INBOX.received).isEmpty();
        assertThat(OUTBOX.received).isEmpty();
        assertThat(json(get("/api/v1/admin/accounts?q=frank", admin)).get("accounts").size()).isZero();
    }

    private static void assertContractRequest(StandInService service, String target, String address) {
        List<Received> requests = service.receivedUnder(target);
        assertThat(requests).hasSize(1);
        Received request = requests.get(0);
        assertThat(request.method()).isEqualTo("PUT");
        assertThat(request.header("Authorization")).as("the domain's internal secret")
                .isEqualTo(TestInternalSecret.AUTHORIZATION);
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        JsonNode body = JSON.readTree(request.body());
        assertThat(body.get("address").asString()).isEqualTo(address);
        assertThat(body.size()).as("the contract's only member").isEqualTo(1);
    }

    private HttpResponse<String> readiness() throws Exception {
        return get("/actuator/health/readiness", null);
    }

    private boolean provisioned(String admin, String address) throws Exception {
        JsonNode accounts = json(get("/api/v1/admin/accounts?q=" + address, admin)).get("accounts");
        assertThat(accounts.size()).isEqualTo(1);
        return accounts.get(0).get("provisioned").asBoolean();
    }
}
