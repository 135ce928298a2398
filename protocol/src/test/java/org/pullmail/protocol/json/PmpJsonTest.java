package org.pullmail.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;

class PmpJsonTest {

    static final String TOKEN = "q5mHbHd2bq0uVqMWbnW3T1sTfeOu3mY3ZlN0PvUo8dE";
    static final String DIGEST = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";
    static final Instant SENT = Instant.parse("2026-11-26T12:00:00Z");

    static Notification valid(String subject, List<Notification.Recipient> recipients) {
        return new Notification("m-1", "alice@alpha.test", recipients, subject, 18, DIGEST,
                "https://alpha.test/pmp/v1/messages/m-1", SENT, SENT.plusSeconds(3600));
    }

    static List<Notification.Recipient> bob() {
        return List.of(new Notification.Recipient("bob@beta.test", TOKEN));
    }

    void assertInvalid(String json, ProblemType type) {
        assertThatThrownBy(() -> PmpJson.readNotification(json.getBytes(StandardCharsets.UTF_8))).as(json)
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.type()).isEqualTo(type));
    }

    @Test
    void roundTripsANotificationWithSnakeCaseAndRfc3339Times() throws Exception {
        byte[] json = PmpJson.write(valid("Grüße aus Köln 📬", bob()));
        String text = new String(json, StandardCharsets.UTF_8);
        assertThat(text).contains("\"fetch_url\":", "\"sent_at\":\"2026-11-26T12:00:00Z\"", "Grüße");
        assertThat(PmpJson.readNotification(json)).isEqualTo(valid("Grüße aus Köln 📬", bob()));
    }

    @Test
    void ignoresUnknownMembers() throws Exception {
        String json = new String(PmpJson.write(valid("hi", bob())), StandardCharsets.UTF_8)
                .replaceFirst("\\{", "{\"future_member\":{\"x\":1},");
        assertThat(PmpJson.readNotification(json.getBytes(StandardCharsets.UTF_8)).id()).isEqualTo("m-1");
    }

    @Test
    void refusesABodyOver4KiB() {
        List<Notification.Recipient> many = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            many.add(new Notification.Recipient("user" + i + "@beta.test", TOKEN));
        }
        byte[] json = PmpJson.write(valid("x", many));
        assertThat(json.length).isGreaterThan(4096);
        assertThatThrownBy(() -> PmpJson.readNotification(json))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.type()).isEqualTo(ProblemType.TOO_LARGE));
    }

    @Test
    void refusesASubjectPreviewOver200Characters() {
        String subject = "é".repeat(201);
        assertInvalid(new String(PmpJson.write(valid(subject, bob())), StandardCharsets.UTF_8), ProblemType.INVALID_NOTIFICATION);
        assertThat(PmpJson.write(valid("é".repeat(200), bob()))).isNotEmpty();
    }

    @Test
    void refusesBrokenFields() {
        String good = new String(PmpJson.write(valid("hi", bob())), StandardCharsets.UTF_8);
        assertInvalid("not json", ProblemType.INVALID_NOTIFICATION);
        assertInvalid("null", ProblemType.INVALID_NOTIFICATION);
        assertInvalid("[]", ProblemType.INVALID_NOTIFICATION);
        assertInvalid(good.replace("\"m-1\"", "\"bad id!\""), ProblemType.INVALID_NOTIFICATION);
        assertInvalid(good.replace("alice@alpha.test", "alice"), ProblemType.INVALID_NOTIFICATION);
        assertInvalid(good.replace(TOKEN, "short"), ProblemType.INVALID_NOTIFICATION);
        assertInvalid(good.replace(DIGEST, "md5=:AAAA:"), ProblemType.INVALID_NOTIFICATION);
        assertInvalid(good.replace("\"size\":18", "\"size\":-1"), ProblemType.INVALID_NOTIFICATION);
        assertInvalid(good.replace("\"size\":18", "\"size\":\"big\""), ProblemType.INVALID_NOTIFICATION);
        assertInvalid(good.replace("https://alpha.test/pmp/v1/messages/m-1", "file:///etc/passwd"), ProblemType.INVALID_NOTIFICATION);
        assertInvalid(good.replace("2026-11-26T13:00:00Z", "2026-11-26T11:00:00Z"), ProblemType.INVALID_NOTIFICATION);
        assertInvalid(good.replace("\"sent_at\":\"2026-11-26T12:00:00Z\"", "\"sent_at\":\"yesterday\""), ProblemType.INVALID_NOTIFICATION);
        assertInvalid(good.replace("\"recipients\":[", "\"recipients\":[{\"address\":\"eve@gamma.test\",\"token\":\"" + TOKEN + "\"},"),
                ProblemType.INVALID_NOTIFICATION);
        assertInvalid(good.replace("\"recipients\":[", "\"recipients\":[{\"address\":\"bob@beta.test\",\"token\":\"" + TOKEN + "\"},"),
                ProblemType.INVALID_NOTIFICATION);
    }
}
