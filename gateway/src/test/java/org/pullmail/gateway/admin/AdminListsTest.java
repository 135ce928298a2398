package org.pullmail.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.pullmail.gateway.GatewayWithStandIns;

import tools.jackson.databind.JsonNode;

/**
 * The admin lists the gateway serves itself, accounts and the audit trail, come a page at a time: following
 * {@code next} shows every entry once, in order, and a cursor or limit the list did not give is a 400 problem.
 */
class AdminListsTest extends GatewayWithStandIns {

    @Test
    void theAccountListComesInAddressOrderAPageAtATime() throws Exception {
        String admin = login(ADMIN, PASSWORD);
        List<String> created = List.of("pager-c@alpha.test", "pager-a@alpha.test", "pager-e@alpha.test",
                "pager-b@alpha.test", "pager-d@alpha.test");
        for (String address : created) {
            HttpResponse<String> response = send("POST", "/api/v1/admin/accounts", admin,
                    "{\"address\":\"" + address + "\",\"password\":\"pager-password\"}");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        }

        List<String> seen = new ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            JsonNode page = json(get("/api/v1/admin/accounts?q=PAGER&limit=2" + (next == null ? "" : "&cursor=" + next),
                    admin));
            assertThat(page.get("accounts").size()).isLessThanOrEqualTo(2);
            page.get("accounts").forEach(account -> {
                seen.add(account.get("address").asString());
                assertThat(account.get("provisioned").asBoolean()).isTrue();
            });
            next = page.has("next") ? page.get("next").asString() : null;
            pages++;
        } while (next != null && pages < 10);
        assertThat(pages).isEqualTo(3);
        // in address order, each once; the search ignores case
        assertThat(seen).containsExactly("pager-a@alpha.test", "pager-b@alpha.test", "pager-c@alpha.test",
                "pager-d@alpha.test", "pager-e@alpha.test");

        // without a limit, one page holds them all and says nothing of a next one
        JsonNode all = json(get("/api/v1/admin/accounts?q=pager", admin));
        assertThat(all.get("accounts").size()).isEqualTo(5);
        assertThat(all.has("next")).isFalse();
        assertThat(json(get("/api/v1/admin/accounts", admin)).get("accounts").size())
                .isGreaterThanOrEqualTo(USERS.size() + 1 + created.size());
    }

    @Test
    void theAuditTrailComesNewestFirstAPageAtATimeWithPasswordsMasked() throws Exception {
        String admin = login(ADMIN, PASSWORD);
        for (int i = 0; i < 3; i++) {
            send("PUT", "/api/v1/admin/accounts/router@alpha.test/disabled", admin, "{\"disabled\":false}");
        }
        send("POST", "/api/v1/admin/accounts/nobody-here@alpha.test/password", admin,
                "{\"password\":\"a-secret-password\"}");

        String newestPath = "/api/v1/admin/accounts/nobody-here@alpha.test/password";
        // the trail is written as the answer goes out: the client may read before the last entry is in
        JsonNode first = Awaitility.await().atMost(Duration.ofSeconds(5)).until(
                () -> json(get("/api/v1/admin/audit?limit=2&actor=" + ADMIN, admin)),
                page -> page.get("entries").get(0).get("path").asString().equals(newestPath));
        assertThat(first.get("entries").size()).isEqualTo(2);
        JsonNode newest = first.get("entries").get(0);
        assertThat(newest.get("status").asInt()).isEqualTo(404);
        assertThat(newest.get("detail").asString()).doesNotContain("a-secret-password").contains("***");
        assertThat(first.get("next").asString()).isNotBlank();

        List<Long> ids = new ArrayList<>();
        first.get("entries").forEach(e -> ids.add(e.get("id").asLong()));
        JsonNode second = json(get("/api/v1/admin/audit?limit=2&actor=" + ADMIN + "&cursor="
                + first.get("next").asString(), admin));
        second.get("entries").forEach(e -> ids.add(e.get("id").asLong()));
        assertThat(ids).hasSize(4).doesNotHaveDuplicates().isSortedAccordingTo((a, b) -> Long.compare(b, a));
        second.get("entries").forEach(e -> assertThat(e.get("actor").asString()).isEqualTo(ADMIN));

        // the dashboard's call: the 200 newest, in the same wrapper as before
        JsonNode dashboard = json(get("/api/v1/admin/audit?limit=200", admin));
        assertThat(dashboard.get("entries").size()).isBetween(4, 200);
    }

    @Test
    void aCursorOrLimitTheListDidNotGiveIsABadRequest() throws Exception {
        String admin = login(ADMIN, PASSWORD);
        for (String path : List.of("/api/v1/admin/accounts?cursor=not-a-cursor", "/api/v1/admin/accounts?limit=0",
                "/api/v1/admin/accounts?limit=-1", "/api/v1/admin/accounts?limit=many",
                "/api/v1/admin/audit?cursor=not-a-cursor", "/api/v1/admin/audit?limit=0",
                // a cursor from the accounts list is not one of the audit trail's
                "/api/v1/admin/audit?cursor=" + json(get("/api/v1/admin/accounts?limit=1", admin)).get("next").asString())) {
            assertProblem(get(path, admin), 400, "invalid-request");
        }
    }
}
