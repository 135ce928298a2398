package org.pullmail.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class ReplyHintTest {

    static final String SENT = "0196f3a2-7c1e-7b3a-9a55-3c2f1e0d4b6a@alpha.test";

    /** Values computed apart from this code (Python's hmac module); the last two are PROTOCOL.md 3.5's example. */
    @Test
    void matchesThePublishedExample() {
        assertThat(ReplyHint.of(SENT, "alice@alpha.test")).isEqualTo("mtHcY8JxXa-O_BC9ypPNDQ");
        assertThat(ReplyHint.of("<" + SENT + ">", "alice@alpha.test")).isEqualTo("mtHcY8JxXa-O_BC9ypPNDQ");
        assertThat(ReplyHint.of(SENT, "carol@alpha.test")).isEqualTo("HpvobIIUjg2BIsWSpx256Q");
        String lunch = "<0193b5e4-7c1a-7b3e-9f00-5a1c2d3e4f50@alpha.test>"; // the message of PROTOCOL.md 9.3
        assertThat(ReplyHint.of(lunch, "alice@alpha.test")).isEqualTo("CSI0of7IExjRwdMO6irADw");
        assertThat(ReplyHint.of(lunch, "dave@alpha.test")).isEqualTo("2k1n6OVc2Vz_mEKpuNHq7w");
    }

    @Test
    void eachRecipientGetsAnotherHintAndAnotherThreadAnotherStill() {
        assertThat(ReplyHint.of(SENT, "alice@alpha.test")).isNotEqualTo(ReplyHint.of(SENT, "carol@alpha.test"))
                .isNotEqualTo(ReplyHint.of("other@alpha.test", "alice@alpha.test"));
        assertThat(ReplyHint.isWellFormed(ReplyHint.of("x@y", "a@b.test"))).isTrue();
        assertThatThrownBy(() -> ReplyHint.of("<>", "alice@alpha.test")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aReplyRefersToItsInReplyToFirstThenTheLatestReferences() {
        assertThat(ReplyHint.referenced("<c@x>", "<a@x> <b@x>\r\n <c@x>")).containsExactly("c@x", "b@x", "a@x");
        assertThat(ReplyHint.referenced(null, "<1@x> <2@x> <3@x> <4@x>")).containsExactly("4@x", "3@x", "2@x");
        assertThat(ReplyHint.referenced(null, null)).isEmpty();
        assertThat(ReplyHint.referenced("no brackets", "<>")).isEmpty();
    }

    @Test
    void aNotificationWithMalformedOrTooManyHintsIsRefused() throws Exception {
        String hint = ReplyHint.of(SENT, "alice@alpha.test");
        notification(List.of(hint)).validate();
        notification(null).validate();
        for (List<String> bad : List.of(List.of("short"), List.of(hint, hint, hint, hint), List.of(hint + "="))) {
            assertThatThrownBy(() -> notification(bad).validate()).isInstanceOf(ProtocolException.class);
        }
    }

    static Notification notification(List<String> replies) {
        Instant sent = Instant.parse("2026-11-30T10:00:00Z");
        return new Notification("n1", "bob@beta.test",
                List.of(new Notification.Recipient("alice@alpha.test", "A".repeat(43), replies)), "Re: Lunch", 10,
                "sha-256=:" + "A".repeat(43) + "=:", "https://beta.test/pmp/v1/messages/1", sent, sent.plusSeconds(60));
    }
}
