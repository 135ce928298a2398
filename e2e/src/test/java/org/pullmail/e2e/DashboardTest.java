package org.pullmail.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;

/** The admin dashboard in a real browser (Debian's Chromium) against the running demo domains. */
class DashboardTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path SCREENSHOTS = Path.of(System.getProperty("pullmail.root", ".."), "e2e", "target", "screenshots");
    static final LocatorAssertions.IsVisibleOptions SLOW = new LocatorAssertions.IsVisibleOptions().setTimeout(30_000);

    static TwoDomains domains;
    static Playwright playwright;
    static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            // CI installs Chromium (.ci/run); only a developer machine without it may skip
            Assumptions.assumeTrue(System.getenv("CI") == null, "Chromium is missing: apt-get install -y chromium");
            throw new IllegalStateException("CI must have Chromium at " + CHROMIUM);
        }
        domains = TwoDomains.get();
        Files.createDirectories(SCREENSHOTS);
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(CHROMIUM).setHeadless(true)
                .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic")));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
    }

    static Page loggedIn(BrowserContext context, Domain domain) {
        Page page = context.newPage();
        page.navigate(domain.url() + "/admin/");
        page.waitForURL("**/admin/login.html");
        page.fill("input[name=address]", "admin@" + domain.name);
        page.fill("input[name=password]", TwoDomains.PASSWORD);
        page.click("button[type=submit]");
        page.waitForURL("**/admin/");
        assertThat(page.locator("body[data-loaded=true]")).isVisible(SLOW);
        return page;
    }

    static void screenshot(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name + ".png")).setFullPage(true));
    }

    @Test
    void wrongCredentialsAndNonAdminAccountsAreRefused() throws Exception {
        try (BrowserContext context = browser.newContext()) {
            Page page = context.newPage();
            page.navigate(domains.alpha.url() + "/admin/login.html");
            page.fill("input[name=address]", "admin@alpha.test");
            page.fill("input[name=password]", "not the password");
            page.click("button[type=submit]");
            assertThat(page.locator("#problem")).containsText("wrong");
            page.fill("input[name=address]", "alice@alpha.test");
            page.fill("input[name=password]", TwoDomains.PASSWORD);
            page.click("button[type=submit]");
            assertThat(page.locator("#problem")).containsText("not an admin");
            assertThat(page).hasURL(Pattern.compile(".*/admin/login.html"));
            screenshot(page, "login-refused");
        }
        Api alice = Api.login(domains.alpha, "alice@alpha.test", TwoDomains.PASSWORD);
        assertThat(alice.get("/api/v1/admin/overview").status()).isEqualTo(403);
        assertThat(alice.get("/api/v1/admin/queue").status()).isEqualTo(403);
    }

    @Test
    void anAdminCreatesAnAccountThatCanThenSendMail() throws Exception {
        try (BrowserContext context = browser.newContext()) {
            Page page = loggedIn(context, domains.alpha);
            page.click("a[href='/admin/accounts.html']");
            assertThat(page.locator("body[data-loaded=true]")).isVisible(SLOW);
            page.click("details summary");
            page.fill("#create-account input[name=address]", "frank@alpha.test");
            page.fill("#create-account input[name=password]", "frank-password-1");
            page.click("#create-account button[type=submit]");
            Locator row = page.locator("tr[data-address='frank@alpha.test']");
            assertThat(row).containsText("active", new LocatorAssertions.ContainsTextOptions().setTimeout(20_000));
            page.fill("#search", "frank");
            assertThat(page.locator("[data-testid=accounts] tbody tr")).hasCount(1);
            screenshot(page, "accounts");
        }
        Api frank = Api.login(domains.alpha, "frank@alpha.test", "frank-password-1");
        Api.Response sent = frank.post("/api/v1/outbox/messages",
                Map.of("to", List.of("bob@beta.test"), "subject", "Hello from frank", "text", "new account"));
        assertThat(sent.status()).isEqualTo(201);
        PullDeliveryTest.awaitStatus(frank, sent.json().get("id").asString(), "notified");
    }

    @Test
    void sendingMailBetweenTheDomainsMovesTheOverviewCounters() throws Exception {
        try (BrowserContext context = browser.newContext()) {
            Page page = loggedIn(context, domains.alpha);
            assertThat(page.locator("[data-service=outbox-service]")).containsText("UP");
            assertThat(page.locator("[data-service=inbox-service]")).containsText("UP");
            assertThat(page.locator("[data-service=smtp-bridge]")).containsText("UP");
            int before = Integer.parseInt(page.textContent("#c-sent"));
            Api alice = Api.login(domains.alpha, "alice@alpha.test", TwoDomains.PASSWORD);
            for (int i = 0; i < 3; i++) {
                PullDeliveryTest.send(alice, "carol@beta.test", PullDeliveryTest.unique("Counted"), "for the counters");
            }
            page.waitForCondition(() -> Integer.parseInt(page.textContent("#c-sent")) >= before + 3,
                    new Page.WaitForConditionOptions().setTimeout(30_000));
            screenshot(page, "overview");
        }
        try (BrowserContext context = browser.newContext()) {
            Page page = loggedIn(context, domains.beta);
            page.waitForCondition(() -> Integer.parseInt(page.textContent("#c-received")) >= 3,
                    new Page.WaitForConditionOptions().setTimeout(30_000));
        }
    }

    @Test
    void anAdminDropsARetryingQueueEntryAndTheSenderSeesItFail() throws Exception {
        Api alice = Api.login(domains.alpha, "alice@alpha.test", TwoDomains.PASSWORD);
        String id = PullDeliveryTest.send(alice, "someone@unreachable.test", PullDeliveryTest.unique("Nowhere"), "x");
        try (BrowserContext context = browser.newContext()) {
            Page page = loggedIn(context, domains.alpha);
            page.click("a[href='/admin/queue.html']");
            Locator row = page.locator("[data-testid=queue] tr", new Page.LocatorOptions().setHasText("unreachable.test"));
            // the retrying tab is the default and refreshes itself every five seconds
            assertThat(row.first()).containsText("unreachable.test",
                    new LocatorAssertions.ContainsTextOptions().setTimeout(30_000));
            screenshot(page, "queue");
            row.first().locator("button[data-action=drop]").click();
            assertThat(row).hasCount(0);
        }
        var delivery = PullDeliveryTest.awaitStatus(alice, id, "failed");
        assertThat(delivery.get("detail").asString()).contains("dropped by an admin");
    }

    @Test
    void everyPageWorksOnALaptopAndOnAPhone() throws Exception {
        for (var size : List.of(Map.entry("laptop", new int[] {1280, 800}), Map.entry("phone", new int[] {390, 844}))) {
            try (BrowserContext context = browser.newContext(new Browser.NewContextOptions()
                    .setViewportSize(size.getValue()[0], size.getValue()[1]))) {
                Page page = loggedIn(context, domains.beta);
                for (String name : List.of("index", "accounts", "queue", "inbound", "keys", "audit")) {
                    page.navigate(domains.beta.url() + "/admin/" + name + ".html");
                    assertThat(page.locator("body[data-loaded=true]")).isVisible(SLOW);
                    assertThat(page.locator("#problem")).isHidden();
                    Object overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
                    assertThat(((Number) overflow).intValue()).as(name + " fits a " + size.getKey() + " screen")
                            .isLessThanOrEqualTo(1);
                    screenshot(page, name + "-" + size.getKey());
                }
                page.navigate(domains.beta.url() + "/admin/api");
                assertThat(page.locator(".swagger-ui .info").first()).isVisible(SLOW);
                assertThat(page.locator(".swagger-ui .opblock").first()).isVisible(SLOW);
                screenshot(page, "api-" + size.getKey());
            }
        }
    }

    @Test
    void keysRotateWithOverlapAndInboundRulesAndTheAuditLogRecordEveryAction() throws Exception {
        try (BrowserContext context = browser.newContext()) {
            Page page = loggedIn(context, domains.beta);
            page.navigate(domains.beta.url() + "/admin/keys.html");
            assertThat(page.locator("body[data-loaded=true]")).isVisible(SLOW);
            page.click("#rotate-notifier");
            assertThat(page.locator("[data-testid=notifier-keys] tbody")).containsText("published");
            assertThat(page.locator("[data-testid=notifier-keys] tbody")).containsText("active");
            assertThat(Api.send(HttpRequest.newBuilder(
                    URI.create(domains.beta.url() + "/.well-known/pullmail")).GET()).text())
                    .as("the new key is published before it signs")
                    .contains(page.locator("[data-testid=notifier-keys] tbody tr", new Page.LocatorOptions()
                            .setHasText("published")).first().getAttribute("data-kid"));

            // DKIM for mail sent over SMTP: the signing key's record to publish; a rotated key waits for its record
            Locator dkim = page.locator("[data-testid=dkim-keys] tbody");
            assertThat(dkim).containsText("signing");
            assertThat(dkim).containsText("._domainkey.beta.test. IN TXT \"v=DKIM1; k=rsa; p=");
            int dkimKeys = dkim.locator("tr").count();
            page.click("#rotate-dkim");
            assertThat(dkim.locator("tr")).hasCount(dkimKeys + 1);
            Locator activate = dkim.locator("button.activate-dkim").first();
            String selector = activate.getAttribute("data-selector");
            // the bridge activates a key only once its record is found in DNS: the admin publishes the line shown
            String record = dkim.locator("tr[data-selector='" + selector + "'] code.dns-record").textContent();
            Domain.DNS.add(record.replaceFirst("\\. IN TXT ", ". 0 IN TXT "));
            activate.click();
            assertThat(dkim.locator("tr[data-selector='" + selector + "']")).containsText("signing");
            assertThat(dkim.locator("tr").first()).hasAttribute("data-selector", selector);

            page.navigate(domains.beta.url() + "/admin/inbound.html");
            assertThat(page.locator("body[data-loaded=true]")).isVisible(SLOW);
            page.fill("#rule-form input[name=entry]", "spammy.example");
            page.click("#rule-form button[value=blocklist]");
            Locator rule = page.locator("tr[data-entry='spammy.example']");
            assertThat(rule).containsText("block");
            screenshot(page, "inbound");
            rule.locator("button[data-action=remove]").click();
            assertThat(rule).hasCount(0);
            page.fill("#rule-form input[name=entry]", "partner.example");
            page.click("#rule-form button[value=allowlist]");
            Locator partner = page.locator("tr[data-entry='partner.example']");
            assertThat(partner).containsText("partner");
            partner.locator("button[data-action=remove]").click();
            assertThat(partner).hasCount(0);
            // the requests waiting for a decision, as the inbox counts them
            Api admin = Api.login(domains.beta, "admin@beta.test", TwoDomains.PASSWORD);
            long waiting = admin.get("/api/v1/admin/inbound/requests").json().get("waiting").get("count").asLong();
            page.reload();
            assertThat(page.locator("body[data-loaded=true]")).isVisible(SLOW);
            assertThat(page.locator("[data-testid=request-waits] tr[data-waits=waiting] td").first())
                    .hasText(Long.toString(waiting));

            page.navigate(domains.beta.url() + "/admin/audit.html");
            assertThat(page.locator("body[data-loaded=true]")).isVisible(SLOW);
            Locator audit = page.locator("[data-testid=audit] tbody");
            assertThat(audit).containsText("POST /api/v1/admin/keys/rotate");
            assertThat(audit).containsText("POST /api/v1/admin/smtp/dkim/rotate");
            assertThat(audit).containsText("PUT /api/v1/admin/inbound/blocklist/spammy.example");
            assertThat(audit).containsText("DELETE /api/v1/admin/inbound/blocklist/spammy.example");
            assertThat(audit).containsText("PUT /api/v1/admin/inbound/allowlist/partner.example");
            assertThat(audit).containsText("admin@beta.test");
            screenshot(page, "audit");
        }
    }
}
