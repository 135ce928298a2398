package org.pullmail.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.pullmail.protocol.json.PmpJson;

class NotificationBatchesTest {

    static final Instant SENT = Instant.parse("2026-11-26T12:00:00Z");
    static final String MESSAGE_ID = "0193b5e4-7c1a-7b3e-9f00-5a1c2d3e4f50";

    static Notification message(String subject) {
        return new Notification(MESSAGE_ID, "alice@alpha.test", List.of(), subject, 303,
                "sha-256=:+THRGRaZ/p2gFi4UTSlEkaBLEshrTpdpv+w/iUR3z64=:",
                "https://alpha.test/pmp/v1/messages/" + MESSAGE_ID, SENT, SENT.plusSeconds(30 * 86400));
    }

    static List<Notification.Recipient> recipients(int n, String localPrefix) {
        List<Notification.Recipient> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new Notification.Recipient(localPrefix + i + "@beta.test", token(i)));
        }
        return list;
    }

    static String token(int i) {
        String t = "tok" + i + "_".repeat(43);
        return t.substring(0, 43);
    }

    @Test
    void oneNotificationKeepsTheMessageId() throws Exception {
        List<Notification> batches = NotificationBatches.split(message("Lunch"), recipients(2, "u"));
        assertThat(batches).hasSize(1);
        assertThat(batches.get(0).id()).isEqualTo(MESSAGE_ID);
        assertThat(batches.get(0).recipients()).hasSize(2);
    }

    @Test
    void aHundredRecipientsFitInNotificationsOfAtMost4KiBWithDistinctIds() throws Exception {
        // the longest subject preview, in characters that take 4 bytes each: the fullest a notification gets
        String subject = "📬".repeat(Pmp.MAX_SUBJECT_CHARS);
        List<Notification.Recipient> all = recipients(100, "a-rather-long-local-part-for-a-mailbox-");
        List<Notification> batches = NotificationBatches.split(message(subject), all);

        assertThat(batches.size()).isGreaterThan(2);
        Set<String> ids = new HashSet<>();
        List<Notification.Recipient> seen = new ArrayList<>();
        for (Notification n : batches) {
            byte[] json = PmpJson.write(n);
            assertThat(json.length).isLessThanOrEqualTo(Pmp.MAX_NOTIFICATION_BYTES);
            // each is a valid notification a receiver accepts as it is
            assertThat(PmpJson.readNotification(json)).isEqualTo(n);
            assertThat(ids.add(n.id())).isTrue();
            assertThat(n.fetchUrl()).isEqualTo(message(subject).fetchUrl());
            seen.addAll(n.recipients());
        }
        assertThat(seen).containsExactlyElementsOf(all);
        assertThat(ids).contains(MESSAGE_ID, MESSAGE_ID + ".2", MESSAGE_ID + "." + batches.size());
    }

    @Test
    void packsAsManyAsFit() {
        List<Notification> batches = NotificationBatches.split(message("Hi"), recipients(100, "u"));
        // short addresses: the first notification is full, so one more recipient would break the limit
        Notification first = batches.get(0);
        List<Notification.Recipient> oneMore = new ArrayList<>(first.recipients());
        oneMore.add(batches.get(1).recipients().get(0));
        Notification overfull = new Notification(first.id(), first.from(), oneMore, first.subject(), first.size(),
                first.digest(), first.fetchUrl(), first.sentAt(), first.expiresAt());
        assertThat(PmpJson.write(overfull).length).isGreaterThan(Pmp.MAX_NOTIFICATION_BYTES);
        assertThat(first.recipients().size()).isBetween(40, 60);
    }
}
