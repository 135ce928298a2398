package org.pullmail.inbox.notice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The notice's state machine, rule by rule, on the real database: for every target state, a notice in
 * each state may move there exactly when the rules allow it, and a refused move changes nothing.
 */
@SpringBootTest
class NoticeStateTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "inbox_component_test");
    }

    /** The rules, written out independently of NoticeState: to ← the states it may follow. */
    static final Map<NoticeState, Set<NoticeState>> RULES = Map.of(
            NoticeState.REQUESTED, Set.of(),
            NoticeState.FETCHING, Set.of(NoticeState.REQUESTED),
            NoticeState.STORED, Set.of(NoticeState.FETCHING),
            NoticeState.FAILED, Set.of(NoticeState.FETCHING),
            NoticeState.DECLINED, Set.of(NoticeState.REQUESTED),
            NoticeState.EXPIRED, Set.of(NoticeState.REQUESTED),
            NoticeState.SPAM, Set.of(NoticeState.REQUESTED, NoticeState.STORED));

    @Autowired
    NoticeTransitions transitions;
    @Autowired
    JdbcClient jdbc;

    UUID notification;

    @BeforeEach
    void notification() {
        jdbc.sql("INSERT INTO mailbox (address) VALUES ('nora@alpha.test') ON CONFLICT DO NOTHING").update();
        notification = UUID.randomUUID();
        Timestamp now = Timestamp.from(Instant.now());
        jdbc.sql("INSERT INTO notification (id, sender_domain, notification_id, sender, size, digest, fetch_url, sent_at,"
                + " expires_at, received_at) VALUES (?, 'sender.test', ?, 'ann@sender.test', 1, 'sha-256=:x:',"
                + " 'https://sender.test/pmp/v1/messages/x', ?, ?, ?)")
                .params(notification, notification.toString(), now, Timestamp.from(Instant.now().plusSeconds(3600)), now)
                .update();
    }

    UUID notice(NoticeState state) {
        UUID id = UUID.randomUUID();
        jdbc.sql("INSERT INTO notice (id, notification, recipient, token, state, created_at) VALUES (?, ?, ?, 't', ?, now())")
                .params(id, notification, "nora@alpha.test", state.wire()).update();
        // one notice per notification and recipient: the next one gets a notification of its own
        notification();
        return id;
    }

    NoticeState stateOf(UUID notice) {
        return NoticeState.of(jdbc.sql("SELECT state FROM notice WHERE id = ?").param(notice).query(String.class).single());
    }

    @ParameterizedTest
    @EnumSource(value = NoticeState.class, names = "REQUESTED", mode = EnumSource.Mode.EXCLUDE)
    void aNoticeMovesToAStateOnlyFromTheStatesItMayFollow(NoticeState to) {
        assertThat(to.from()).as("the rules for " + to).isEqualTo(RULES.get(to));
        for (NoticeState from : EnumSet.allOf(NoticeState.class)) {
            UUID notice = notice(from);
            boolean moved = transitions.move(notice, to, true, null);
            assertThat(moved).as(from + " → " + to).isEqualTo(RULES.get(to).contains(from));
            assertThat(stateOf(notice)).as(from + " → " + to).isEqualTo(moved ? to : from);
        }
    }

    @ParameterizedTest
    @EnumSource(value = NoticeState.class, names = "REQUESTED")
    void noNoticeIsEverMovedBackToRequested(NoticeState to) {
        UUID notice = notice(NoticeState.FETCHING);
        assertThatThrownBy(() -> transitions.move(notice, to, false, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(stateOf(notice)).isEqualTo(NoticeState.FETCHING);
    }
}
