package org.pullmail.inbox.mailbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.pullmail.inbox.policy.SenderPolicy.StrangerPolicy;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PullmailProperties;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.jpa.test.autoconfigure.DataJpaTest;
import org.springframework.boot.jdbc.test.autoconfigure.AutoConfigureTestDatabase;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The mailbox aggregate on Flyway's schema (Hibernate validates the mapping when this slice starts):
 * provisioning and the user's settings, through {@link Mailboxes} and its repository.
 */
@DataJpaTest
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
@EnableConfigurationProperties(PullmailProperties.class)
@Import(Mailboxes.class)
class MailboxesTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "inbox_jpa_test");
    }

    @Autowired
    Mailboxes mailboxes;
    @Autowired
    MailboxRepository repository;
    @Autowired
    JdbcClient jdbc;

    @Test
    void provisioningCreatesAMailboxOnceAndSaysWhichCallDid() {
        Instant before = Instant.now().minus(Duration.ofMinutes(1));
        Mailboxes.Provisioned first = mailboxes.provision("new@alpha.test");
        assertThat(first.created()).isTrue();
        assertThat(first.address()).isEqualTo("new@alpha.test");
        assertThat(first.createdAt()).isAfter(before);

        Mailboxes.Provisioned again = mailboxes.provision("new@alpha.test");
        assertThat(again.created()).isFalse();
        assertThat(again.createdAt()).isEqualTo(first.createdAt());
        assertThat(repository.count()).isEqualTo(1);
    }

    @Test
    void anotherDomainsAddressOrGarbageIsRefusedAndNothingIsCreated() {
        for (String address : new String[] {"bob@beta.test", "not an address", "@alpha.test", "bob@ALPHA.TEST.evil"}) {
            assertThatThrownBy(() -> mailboxes.provision(address)).as(address)
                    .isInstanceOfSatisfying(ApiProblem.class, p -> assertThat(p.status().value()).isEqualTo(400));
        }
        assertThat(repository.count()).isZero();
    }

    @Test
    void theUsersStrangerPolicyIsStoredByItsWireNameAndNullFollowsTheDomain() {
        assertThat(repository.createIfAbsent("carol@alpha.test")).isEqualTo(1);
        assertThat(repository.createIfAbsent("carol@alpha.test")).isZero();
        assertThat(mailboxes.strangerPolicy("carol@alpha.test")).isEmpty();

        mailboxes.strangerPolicy("carol@alpha.test", StrangerPolicy.FETCH_VERIFIED);
        repository.flush();
        // intake reads the column with SQL of its own: it must hold the spelling the CHECK constraint allows
        assertThat(jdbc.sql("SELECT stranger_policy FROM mailbox WHERE address = 'carol@alpha.test'")
                .query(String.class).single()).isEqualTo("fetch_verified");
        assertThat(mailboxes.strangerPolicy("carol@alpha.test")).contains(StrangerPolicy.FETCH_VERIFIED);

        mailboxes.strangerPolicy("carol@alpha.test", null);
        repository.flush();
        assertThat(jdbc.sql("SELECT stranger_policy IS NULL FROM mailbox WHERE address = 'carol@alpha.test'")
                .query(Boolean.class).single()).isTrue();
        assertThat(mailboxes.strangerPolicy("nobody@alpha.test")).isEmpty();
    }
}
