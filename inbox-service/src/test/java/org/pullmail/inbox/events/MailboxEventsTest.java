package org.pullmail.inbox.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The event log the push stream reads: where a new stream starts, what a resuming one missed, many at once. */
@SpringBootTest
class MailboxEventsTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "inbox_events_test");
    }

    @Autowired
    MailboxEvents events;
    @Autowired
    JdbcClient jdbc;

    String mailbox() {
        String address = "u" + UUID.randomUUID().toString().substring(0, 8) + "@alpha.test";
        jdbc.sql("INSERT INTO mailbox (address) VALUES (?)").param(address).update();
        return address;
    }

    @Test
    void aStreamStartsAfterTheLatestEventAndAResumingOneGetsWhatItMissedInOrder() {
        String bob = mailbox();
        String carol = mailbox();
        assertThat(events.latest(bob)).isZero();
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        events.newMessage(bob, first);
        long start = events.latest(bob);
        events.newMessage(carol, UUID.randomUUID());
        events.newMessage(bob, second);

        assertThat(events.after(bob, 0)).extracting(MailboxEvents.Event::subjectId).containsExactly(first, second);
        assertThat(events.after(bob, start)).extracting(MailboxEvents.Event::subjectId).containsExactly(second);
        assertThat(events.after(bob, events.latest(bob))).isEmpty();
        assertThat(events.after(bob, 0)).extracting(MailboxEvents.Event::type).containsOnly("message");
    }

    @Test
    void oneQueryServesManyMailboxesEachFromItsOwnCursor() {
        String bob = mailbox();
        String carol = mailbox();
        String quiet = mailbox();
        events.newMessage(bob, UUID.randomUUID());
        long bobSeen = events.latest(bob);
        UUID bobNew = UUID.randomUUID();
        events.newMessage(bob, bobNew);
        UUID carolOld = UUID.randomUUID();
        events.newMessage(carol, carolOld);

        List<MailboxEvents.Event> found = events.after(Map.of(bob, bobSeen, carol, 0L, quiet, 0L));
        assertThat(found).extracting(MailboxEvents.Event::subjectId).containsExactly(bobNew, carolOld);
        assertThat(found).extracting(MailboxEvents.Event::mailbox).containsExactly(bob, carol);
        assertThat(found).extracting(MailboxEvents.Event::id).isSorted();
    }
}
