package org.pullmail.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Notification.validate checks the wire limits of PROTOCOL.md 3.1; the domain of the recipients is the receiver's check. */
class NotificationTest {

    static final String TOKEN = "q5mHbHd2bq0uVqMWbnW3T1sTfeOu3mY3ZlN0PvUo8dE";
    static final Instant SENT = Instant.parse("2026-11-26T12:00:00Z");

    static Notification to(String... addresses) {
        List<Notification.Recipient> recipients = Arrays.stream(addresses)
                .map(a -> new Notification.Recipient(a, TOKEN)).toList();
        return new Notification("m-1", "alice@alpha.test", recipients, "hi", 18,
                "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", "https://alpha.test/pmp/v1/messages/m-1",
                SENT, SENT.plusSeconds(3600));
    }

    @Test
    void acceptsRecipientsOfSeveralDomains() throws Exception {
        // refused by the receiver as foreign-recipient, like a list wholly in another domain
        assertThat(to("bob@beta.test", "eve@gamma.test").validate().recipients()).hasSize(2);
    }

    @Test
    void allRecipientsInIsTrueOnlyWhenEveryRecipientIsInTheDomain() {
        assertThat(to("bob@beta.test", "carol@beta.test").allRecipientsIn("beta.test")).isTrue();
        assertThat(to("bob@beta.test", "carol@beta.test").allRecipientsIn("BETA.test")).isTrue();
        assertThat(to("bob@beta.test", "eve@gamma.test").allRecipientsIn("beta.test")).isFalse();
        assertThat(to("eve@gamma.test", "bob@beta.test").allRecipientsIn("beta.test")).isFalse();
        assertThat(to("eve@gamma.test").allRecipientsIn("beta.test")).isFalse();
        // a subdomain is another domain
        assertThat(to("bob@mail.beta.test").allRecipientsIn("beta.test")).isFalse();
    }

    @Test
    void recipientDomainIsTheFirstRecipientsDomain() {
        assertThat(to("bob@beta.test", "carol@beta.test").recipientDomain()).isEqualTo("beta.test");
    }

    @Test
    void stillRefusesAnAddressListedTwiceAndMoreThan100Recipients() {
        assertThatThrownBy(() -> to("bob@beta.test", "eve@gamma.test", "bob@beta.test").validate())
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.type()).isEqualTo(ProblemType.INVALID_NOTIFICATION));
        String[] many = new String[101];
        for (int i = 0; i < many.length; i++) {
            many[i] = "u" + i + "@beta.test";
        }
        assertThatThrownBy(() -> to(many).validate())
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.type()).isEqualTo(ProblemType.INVALID_NOTIFICATION));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\u0000b", "bell\u0007", "line\nbreak", "del\u007f"})
    void refusesASubjectWithControlCharacters(String subject) {
        Notification n = new Notification("m-1", "alice@alpha.test", List.of(new Notification.Recipient("bob@beta.test",
                TOKEN)), subject, 18, "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
                "https://alpha.test/pmp/v1/messages/m-1", SENT, SENT.plusSeconds(3600));
        assertThatThrownBy(n::validate).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.type()).isEqualTo(ProblemType.INVALID_NOTIFICATION));
        Notification tab = new Notification("m-1", "alice@alpha.test", n.recipients(), "a\tb", 18, n.digest(),
                n.fetchUrl(), SENT, SENT.plusSeconds(3600));
        assertThat(tab.subject()).isEqualTo("a\tb");
        Assertions.assertThatCode(tab::validate).doesNotThrowAnyException();
    }
}
