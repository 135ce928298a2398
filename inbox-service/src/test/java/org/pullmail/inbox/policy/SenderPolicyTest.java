package org.pullmail.inbox.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.inbox.policy.SenderPolicy.Action;
import org.pullmail.inbox.reputation.Reputation;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The documented precedence of SenderPolicy, rule by rule, on a real database. */
@SpringBootTest
@AutoConfigureMockMvc
class SenderPolicyTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "inbox_component_test");
    }

    static final String BOB = "bob@alpha.test";
    static final String ANN = "ann@news.example";

    @Autowired
    SenderPolicy policy;
    @Autowired
    Reputation reputation;
    @Autowired
    JdbcClient jdbc;

    @BeforeEach
    void clean() {
        jdbc.sql("TRUNCATE sender_rule, domain_rule, domain_setting, sender_reputation").update();
        jdbc.sql("INSERT INTO mailbox (address) VALUES (?) ON CONFLICT DO NOTHING").param(BOB).update();
        jdbc.sql("UPDATE mailbox SET stranger_policy = NULL").update();
    }

    void own(String entry, String kind) {
        jdbc.sql("INSERT INTO sender_rule (mailbox, entry, kind) VALUES (?, ?, ?)").params(BOB, entry, kind).update();
    }

    void domain(String entry, String kind) {
        jdbc.sql("INSERT INTO domain_rule (entry, kind, created_by) VALUES (?, ?, 'admin@alpha.test')")
                .params(entry, kind).update();
    }

    Action decide(boolean bulk) {
        return policy.decide(BOB, ANN, bulk).action();
    }

    void history(String sender, int received, int fetched) {
        for (int i = 0; i < received; i++) {
            reputation.record(sender, Reputation.Event.RECEIVED);
        }
        for (int i = 0; i < fetched; i++) {
            reputation.record(sender, Reputation.Event.FETCHED);
        }
    }

    @Test
    void aStrangerIsHeldByDefault() {
        assertThat(policy.decide(BOB, ANN, false)).isEqualTo(new SenderPolicy.Decision(Action.HOLD, "a stranger"));
    }

    @Test
    void theDomainsBlockBeatsTheUsersOwnContact() {
        own(ANN, "contact");
        domain("news.example", "block");
        assertThat(decide(false)).isEqualTo(Action.BLOCK);
    }

    @Test
    void aUsersRuleForTheAddressBeatsTheirRuleForTheDomain() {
        own("news.example", "block");
        own(ANN, "contact");
        assertThat(decide(false)).isEqualTo(Action.FETCH);
        jdbc.sql("UPDATE sender_rule SET kind = 'block' WHERE entry = ?").param(ANN).update();
        jdbc.sql("UPDATE sender_rule SET kind = 'allow' WHERE entry = 'news.example'").update();
        assertThat(decide(false)).isEqualTo(Action.BLOCK);
    }

    @Test
    void aUsersDomainRuleBeatsTheDomainsAllowList() {
        domain("news.example", "allow");
        assertThat(decide(false)).isEqualTo(Action.FETCH);
        own("news.example", "block");
        assertThat(decide(false)).isEqualTo(Action.BLOCK);
    }

    @Test
    void aDomainWhoseMailIsHardlyEverFetchedIsRefusedOnceJudged() {
        history(ANN, 19, 0);
        assertThat(decide(false)).as("not judged before 20 notifications").isEqualTo(Action.HOLD);
        history(ANN, 1, 0);
        assertThat(decide(false)).isEqualTo(Action.BLOCK);
        own(ANN, "contact");
        assertThat(decide(false)).as("the user's contact still gets through").isEqualTo(Action.FETCH);
    }

    @Test
    void fetchVerifiedFetchesFromReputableDomainsButNotBulkMail() {
        jdbc.sql("INSERT INTO domain_setting (name, value) VALUES ('stranger_policy', 'fetch_verified')").update();
        assertThat(decide(false)).as("no reputation yet").isEqualTo(Action.HOLD);
        history(ANN, 20, 15);
        assertThat(decide(false)).isEqualTo(Action.FETCH);
        assertThat(decide(true)).isEqualTo(Action.HOLD);
        assertThat(policy.decide(BOB, ANN, true).reason()).contains("bulk");
    }

    @Test
    void theUsersStrangerSettingBeatsTheDomainsAndRefuseRefuses() {
        jdbc.sql("INSERT INTO domain_setting (name, value) VALUES ('stranger_policy', 'fetch_verified')").update();
        jdbc.sql("UPDATE mailbox SET stranger_policy = 'refuse' WHERE address = ?").param(BOB).update();
        assertThat(decide(false)).isEqualTo(Action.BLOCK);
        own(ANN, "allow");
        assertThat(decide(false)).isEqualTo(Action.FETCH);
    }
}
