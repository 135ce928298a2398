package org.pullmail.outbox.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pullmail.outbox.delivery.DeliveryState.DECLINED;
import static org.pullmail.outbox.delivery.DeliveryState.EXPIRED;
import static org.pullmail.outbox.delivery.DeliveryState.FAILED;
import static org.pullmail.outbox.delivery.DeliveryState.FETCHED;
import static org.pullmail.outbox.delivery.DeliveryState.NOTIFIED;
import static org.pullmail.outbox.delivery.DeliveryState.QUEUED;
import static org.pullmail.outbox.delivery.DeliveryState.RECALLED;
import static org.pullmail.outbox.delivery.DeliveryState.SPAM;
import static org.pullmail.outbox.delivery.DeliveryState.STORED;

import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.pullmail.protocol.StatusReport;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The delivery's state machine, rule by rule, on the real database: every transition is tried from every
 * state; it moves exactly the deliveries the rules allow, and a refused move changes nothing in the row.
 */
@SpringBootTest
class DeliveryTransitionsTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "outbox_delivery_state_test");
    }

    /** The rules, written out independently of DeliveryState (PROTOCOL.md 5.3 and 5.4): to ← the states it may follow. */
    static final Map<DeliveryState, Set<DeliveryState>> RULES = Map.of(
            QUEUED, Set.of(),
            NOTIFIED, Set.of(QUEUED, FAILED),
            FETCHED, Set.of(QUEUED, NOTIFIED, FAILED),
            STORED, Set.of(QUEUED, NOTIFIED, FETCHED, FAILED),
            DECLINED, Set.of(QUEUED, NOTIFIED, FETCHED, FAILED),
            SPAM, Set.of(QUEUED, NOTIFIED, FETCHED, FAILED, STORED, DECLINED),
            FAILED, Set.of(QUEUED, NOTIFIED, FETCHED, FAILED),
            EXPIRED, Set.of(QUEUED, NOTIFIED),
            RECALLED, Set.of(QUEUED, NOTIFIED));

    /**
     * Messages of the other cases expire long after those of the expiry case, and the expiry case's "now" is
     * years ahead: the scheduled retention pass of this context (real time) touches none of them.
     */
    static final Instant LATER = Instant.now().plus(Duration.ofDays(3000));
    static final Instant EXPIRY_CASE_EXPIRES = Instant.now().plus(Duration.ofDays(1000));

    interface Move {
        /** Tries the transition on the delivery (the only one of its message); answers whether it says it moved. */
        boolean on(DeliveryTransitions transitions, UUID delivery, UUID message);
    }

    /** {@code keeps}: a column a refused move may still write (the receipt's time, for a delivery that moved on). */
    record Case(String name, DeliveryState to, Set<DeliveryState> from, Move move, String keeps) {
        Case(String name, DeliveryState to, Set<DeliveryState> from, Move move) {
            this(name, to, from, move, null);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static DeliveryTransitions.Announcement notification(UUID message) {
        return new DeliveryTransitions.Announcement(message, "beta.test", message.toString());
    }

    static Stream<Case> transitions() {
        Instant now = Instant.now();
        return Stream.of(
                new Case("a fetch", FETCHED, Set.of(QUEUED, NOTIFIED, FAILED),
                        (t, d, m) -> t.fetched(d, now)),
                new Case("a stored report", STORED, Set.of(QUEUED, NOTIFIED, FETCHED, FAILED),
                        (t, d, m) -> t.reported(m, "bob@beta.test", StatusReport.Status.STORED, now)),
                new Case("a declined report", DECLINED, Set.of(QUEUED, NOTIFIED, FETCHED, FAILED),
                        (t, d, m) -> t.reported(m, "bob@beta.test", StatusReport.Status.DECLINED, now)),
                new Case("a spam report", SPAM, Set.of(QUEUED, NOTIFIED, FETCHED, FAILED, STORED, DECLINED),
                        (t, d, m) -> t.reported(m, "bob@beta.test", StatusReport.Status.SPAM, now)),
                new Case("the notifier giving up", FAILED, Set.of(QUEUED),
                        (t, d, m) -> t.gaveUp(notification(m), "gave up after 3 days", now) == 1),
                new Case("the recipient's MTA storing it", STORED, Set.of(QUEUED, NOTIFIED, FETCHED, FAILED),
                        (t, d, m) -> t.smtpStored(m, "bob@beta.test", now)),
                new Case("the recipient's MTA refusing it", FAILED, Set.of(QUEUED, NOTIFIED, FETCHED),
                        (t, d, m) -> t.smtpFailed(m, "bob@beta.test", "550 5.1.1 no such user", now)),
                new Case("a receipt naming no such mailbox", FAILED, Set.of(QUEUED, FAILED),
                        (t, d, m) -> t.noSuchMailbox(notification(m), "bob@beta.test", now)),
                new Case("a receipt saying blocked", DECLINED, Set.of(QUEUED, FAILED),
                        (t, d, m) -> t.blocked(notification(m), "bob@beta.test", now)),
                new Case("a receipt saying accepted", NOTIFIED, Set.of(QUEUED, FAILED),
                        (t, d, m) -> t.accepted(notification(m), "bob@beta.test", now), "notified_at"),
                new Case("a receipt not listing the recipient", NOTIFIED, Set.of(QUEUED),
                        (t, d, m) -> t.acceptedUnlisted(notification(m), now) == 1),
                new Case("expiry", EXPIRED, Set.of(QUEUED, NOTIFIED),
                        (t, d, m) -> t.expire(EXPIRY_CASE_EXPIRES.plusSeconds(60)) == 1),
                new Case("a recall", RECALLED, Set.of(QUEUED, NOTIFIED),
                        (t, d, m) -> t.recall(m, now) == 1));
    }

    @Autowired
    DeliveryTransitions transitions;
    @Autowired
    JdbcClient jdbc;

    @BeforeEach
    void sender() {
        jdbc.sql("INSERT INTO sender (address) VALUES ('ann@alpha.test') ON CONFLICT DO NOTHING").update();
    }

    record Delivery(UUID id, UUID message) {
    }

    Delivery delivery(DeliveryState state, Instant expires) {
        UUID message = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO message (id, sender, subject, size, digest, created_at, expires_at)
                VALUES (?, 'ann@alpha.test', 's', 1, 'sha-256=:x:', now(), ?)""")
                .params(message, Timestamp.from(expires)).update();
        byte[] hash = new byte[32];
        new SecureRandom().nextBytes(hash);
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO delivery (id, message_id, notification_id, recipient, recipient_domain, kind, token_hash,
                                      state, queued_at)
                VALUES (?, ?, ?, 'bob@beta.test', 'beta.test', 'to', ?, ?, now() - interval '1 minute')""")
                .params(id, message, message.toString(), hash, state.wire()).update();
        return new Delivery(id, message);
    }

    /** The whole row, to see that a refused move changed nothing in it (but {@code except}, if named). */
    String row(UUID delivery, String except) {
        return jdbc.sql("SELECT (to_jsonb(d) - coalesce(?, ''))::text FROM delivery d WHERE id = ?")
                .params(except, delivery).query(String.class).single();
    }

    DeliveryState stateOf(UUID delivery) {
        return DeliveryState.of(jdbc.sql("SELECT state FROM delivery WHERE id = ?").param(delivery)
                .query(String.class).single());
    }

    @ParameterizedTest
    @EnumSource(DeliveryState.class)
    void theStateMachineSaysWhichStateMayFollowWhich(DeliveryState to) {
        assertThat(to.from()).as("the states " + to + " may follow").isEqualTo(RULES.get(to));
        for (DeliveryState from : DeliveryState.values()) {
            assertThat(to.mayFollow(from)).as(from + " → " + to).isEqualTo(RULES.get(to).contains(from));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transitions")
    void aTransitionMovesExactlyTheDeliveriesItsRuleAllowsAndARefusalChangesNothing(Case transition) {
        assertThat(RULES.get(transition.to())).as("a move asks for no state the rules do not allow")
                .containsAll(transition.from());
        Instant expires = transition.to() == EXPIRED ? EXPIRY_CASE_EXPIRES : LATER;
        for (DeliveryState from : EnumSet.allOf(DeliveryState.class)) {
            Delivery delivery = delivery(from, expires);
            String before = row(delivery.id(), transition.keeps());
            String beforeButState = row(delivery.id(), "state");
            boolean moved = transition.move().on(transitions, delivery.id(), delivery.message());
            boolean allowed = transition.from().contains(from);
            assertThat(moved).as(transition + " from " + from).isEqualTo(allowed);
            if (allowed) {
                assertThat(stateOf(delivery.id())).as(transition + " from " + from).isEqualTo(transition.to());
                assertThat(row(delivery.id(), "state")).as(transition + " from " + from + " records when it happened")
                        .isNotEqualTo(beforeButState);
            } else {
                assertThat(row(delivery.id(), transition.keeps())).as(transition + " from " + from + " changes nothing")
                        .isEqualTo(before);
            }
        }
    }

    @Test
    void aComplaintAboutStoredMailKeepsWhenItWasStored() {
        Delivery delivery = delivery(QUEUED, LATER);
        Instant stored = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
        assertThat(transitions.reported(delivery.message(), "bob@beta.test", StatusReport.Status.STORED, stored)).isTrue();
        assertThat(transitions.reported(delivery.message(), "bob@beta.test", StatusReport.Status.SPAM, Instant.now()))
                .isTrue();
        assertThat(jdbc.sql("SELECT state, detail, stored_at FROM delivery WHERE id = ?").param(delivery.id())
                .query((rs, n) -> rs.getString(1) + " / " + rs.getString(2) + " / " + rs.getTimestamp(3).toInstant())
                .single()).isEqualTo("spam / reported as spam after delivery / " + stored);
    }

    @Test
    void anOutcomeArrivingAfterTheFetchKeepsTheLaterStateAndRecordsWhenItWasNotified() {
        Delivery delivery = delivery(QUEUED, LATER);
        Instant fetched = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant notified = fetched.minusSeconds(5);
        assertThat(transitions.fetched(delivery.id(), fetched)).isTrue();
        assertThat(transitions.accepted(notification(delivery.message()), "bob@beta.test", notified)).isFalse();
        assertThat(stateOf(delivery.id())).isEqualTo(FETCHED);
        assertThat(jdbc.sql("SELECT notified_at FROM delivery WHERE id = ?").param(delivery.id())
                .query((rs, n) -> rs.getTimestamp(1).toInstant()).single())
                .as("the earlier of the fetch and the receipt's time").isEqualTo(notified);
    }

    @Test
    void anOutcomeArrivingAfterTheRecipientsMtaRefusedTheMessageLeavesItFailed() {
        Delivery refused = delivery(QUEUED, LATER);
        Instant handedOver = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        // the SMTP bridge delivered (and was refused) before the notifier's outcome of the hand-over arrived
        assertThat(transitions.smtpFailed(refused.message(), "bob@beta.test", "550 5.1.1 no such user",
                handedOver.plusSeconds(2))).isTrue();
        assertThat(transitions.accepted(notification(refused.message()), "bob@beta.test", handedOver)).isFalse();
        assertThat(stateOf(refused.id())).isEqualTo(FAILED);

        // a notification that gave up and was resent by an admin: accepted after the failure, it is notified
        Delivery resent = delivery(QUEUED, LATER);
        assertThat(transitions.gaveUp(notification(resent.message()), "gave up", handedOver)).isEqualTo(1);
        assertThat(transitions.accepted(notification(resent.message()), "bob@beta.test", handedOver.plusSeconds(60)))
                .isTrue();
        assertThat(stateOf(resent.id())).isEqualTo(NOTIFIED);
    }

    @Test
    void anOutcomeMovesOnlyTheDeliveriesItsNotificationCarried() {
        Delivery carried = delivery(QUEUED, LATER);
        UUID other = UUID.randomUUID();
        byte[] hash = new byte[32];
        new SecureRandom().nextBytes(hash);
        // the same message's recipient in another notification (its recipients did not fit in one)
        jdbc.sql("""
                INSERT INTO delivery (id, message_id, notification_id, recipient, recipient_domain, kind, token_hash,
                                      state, queued_at)
                VALUES (?, ?, ?, 'carl@beta.test', 'beta.test', 'to', ?, 'queued', now())""")
                .params(other, carried.message(), carried.message() + ".2", hash).update();
        assertThat(transitions.gaveUp(notification(carried.message()), "gave up", Instant.now())).isEqualTo(1);
        assertThat(stateOf(carried.id())).isEqualTo(FAILED);
        assertThat(stateOf(other)).isEqualTo(QUEUED);
    }
}
