package org.pullmail.inbox.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase;
import org.springframework.data.domain.Limit;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The rule aggregates on Flyway's schema (Hibernate validates the mapping when this slice starts): a
 * mailbox's rules, the domain's rules and settings, as their repositories keep and page them.
 */
@DataJpaTest
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
class PolicyRepositoriesTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "inbox_jpa_test");
    }

    static final String BOB = "bob@alpha.test";

    @Autowired
    SenderRuleRepository senderRules;
    @Autowired
    DomainRuleRepository domainRules;
    @Autowired
    DomainSettingRepository settings;
    @Autowired
    JdbcClient jdbc;

    @BeforeEach
    void mailbox() {
        jdbc.sql("INSERT INTO mailbox (address) VALUES (?), ('carol@alpha.test')").param(BOB).update();
    }

    @Test
    void anEntryIsOnOneListAtATimeAndPuttingItOnAnotherMovesIt() {
        senderRules.put(BOB, "ann@news.example", RuleKind.CONTACT);
        senderRules.put(BOB, "ann@news.example", RuleKind.BLOCK);
        senderRules.put("carol@alpha.test", "ann@news.example", RuleKind.CONTACT);

        assertThat(senderRules.entries(BOB, RuleKind.CONTACT, "", Limit.of(10))).isEmpty();
        assertThat(senderRules.entries(BOB, RuleKind.BLOCK, "", Limit.of(10))).containsExactly("ann@news.example");
        SenderRule rule = senderRules.findById(new SenderRule.Key(BOB, "ann@news.example")).orElseThrow();
        assertThat(rule.kind()).isEqualTo(RuleKind.BLOCK);
        assertThat(rule.createdAt()).isNotNull();
        // intake's SQL compares the column with these spellings
        assertThat(jdbc.sql("SELECT kind FROM sender_rule WHERE mailbox = ?").param(BOB).query(String.class).single())
                .isEqualTo("block");

        assertThat(senderRules.remove(BOB, "ann@news.example", RuleKind.CONTACT)).as("not on that list").isZero();
        assertThat(senderRules.remove(BOB, "ann@news.example", RuleKind.BLOCK)).isEqualTo(1);
        assertThat(senderRules.entries(BOB, RuleKind.BLOCK, "", Limit.of(10))).isEmpty();
        assertThat(senderRules.entries("carol@alpha.test", RuleKind.CONTACT, "", Limit.of(10)))
                .as("another mailbox's rules are its own").containsExactly("ann@news.example");
    }

    @Test
    void aListIsPagedInEntryOrderFromTheLastEntryShown() {
        for (String entry : List.of("zed.example", "amy@a.example", "news.example", "bo@b.example", "c.example")) {
            senderRules.put(BOB, entry, RuleKind.ALLOW);
        }
        assertThat(senderRules.entries(BOB, RuleKind.ALLOW, "", Limit.of(2))).containsExactly("amy@a.example",
                "bo@b.example");
        assertThat(senderRules.entries(BOB, RuleKind.ALLOW, "bo@b.example", Limit.of(2))).containsExactly("c.example",
                "news.example");
        assertThat(senderRules.entries(BOB, RuleKind.ALLOW, "news.example", Limit.of(2))).containsExactly("zed.example");
    }

    @Test
    void theDomainsRulesListAllowsBeforeBlocksAndResumeAfterAnyRule() {
        domainRules.put("spam.example", RuleKind.BLOCK, "admin@alpha.test");
        domainRules.put("b.example", RuleKind.ALLOW, "admin@alpha.test");
        domainRules.put("a.example", RuleKind.BLOCK, "admin@alpha.test");
        domainRules.put("z.example", RuleKind.ALLOW, "admin@alpha.test");
        domainRules.put("a.example", RuleKind.ALLOW, "root@alpha.test");

        assertThat(domainRules.inOrder(Limit.of(10))).extracting(r -> r.kind().wire() + " " + r.entry())
                .containsExactly("allow a.example", "allow b.example", "allow z.example", "block spam.example");
        assertThat(domainRules.findById("a.example").orElseThrow().createdBy()).isEqualTo("root@alpha.test");
        assertThat(domainRules.after(RuleKind.ALLOW, "b.example", Limit.of(10))).extracting(DomainRule::entry)
                .containsExactly("z.example", "spam.example");
        assertThat(domainRules.after(RuleKind.BLOCK, "spam.example", Limit.of(10))).isEmpty();
        assertThat(domainRules.remove("a.example", RuleKind.BLOCK)).isZero();
        assertThat(domainRules.remove("a.example", RuleKind.ALLOW)).isEqualTo(1);
    }

    @Test
    void aDomainSettingIsSetAndSetAgain() {
        assertThat(settings.findById(DomainSetting.STRANGER_POLICY)).isEmpty();
        settings.put(DomainSetting.STRANGER_POLICY, "refuse");
        settings.put(DomainSetting.STRANGER_POLICY, "fetch_verified");
        assertThat(settings.findById(DomainSetting.STRANGER_POLICY).orElseThrow().value()).isEqualTo("fetch_verified");
    }
}
