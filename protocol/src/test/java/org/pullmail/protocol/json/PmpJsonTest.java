package org.pullmail.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.pullmail.protocol.Notification;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.NotificationReceipt.Outcome;
import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.StatusReport;

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
        assertInvalid(good.replace("\"recipients\":[", "\"recipients\":[{\"address\":\"bob@beta.test\",\"token\":\"" + TOKEN + "\"},"),
                ProblemType.INVALID_NOTIFICATION);
    }

    /** The valid notification's JSON with {@code sent_at} written as {@code value} (raw JSON). */
    static byte[] sentAt(String rawJsonValue) {
        String good = new String(PmpJson.write(valid("hi", bob())), StandardCharsets.UTF_8);
        return good.replace("\"sent_at\":\"2026-11-26T12:00:00Z\"", "\"sent_at\":" + rawJsonValue)
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writesTimestampsInUtcWithZ() {
        Notification n = new Notification("m-1", "alice@alpha.test", bob(), null, 18, DIGEST,
                "https://alpha.test/pmp/v1/messages/m-1", SENT.plusMillis(500), SENT.plusSeconds(3600));
        assertThat(new String(PmpJson.write(n), StandardCharsets.UTF_8))
                .contains("\"sent_at\":\"2026-11-26T12:00:00.500Z\"", "\"expires_at\":\"2026-11-26T13:00:00Z\"");
    }

    /** PROTOCOL.md 1: the RFC 3339 forms a receiver accepts, each read as the same instant (12:00:00 UTC, plus a fraction). */
    @ParameterizedTest
    @CsvSource({
            "2026-11-26T12:00:00Z,             2026-11-26T12:00:00Z",
            "2026-11-26T12:00:00.5Z,           2026-11-26T12:00:00.500Z",
            "2026-11-26T12:00:00.123456789Z,   2026-11-26T12:00:00.123456789Z",
            "2026-11-26T14:00:00+02:00,        2026-11-26T12:00:00Z",
            "2026-11-26T07:00:00-05:00,        2026-11-26T12:00:00Z",
            "2026-11-26T12:00:00+00:00,        2026-11-26T12:00:00Z",
            "2026-11-26T12:00:00-00:00,        2026-11-26T12:00:00Z",
            "2026-11-26T12:00:00z,             2026-11-26T12:00:00Z",
            "2026-11-26t12:00:00Z,             2026-11-26T12:00:00Z"})
    void acceptsTheseTimestampForms(String form, String instant) throws Exception {
        assertThat(PmpJson.readNotification(sentAt("\"" + form + "\"")).sentAt()).isEqualTo(Instant.parse(instant));
    }

    @Test
    void readsALeapSecondAsTheSecondBefore() throws Exception {
        Notification n = valid("hi", bob());
        Notification late = new Notification(n.id(), n.from(), n.recipients(), n.subject(), n.size(), n.digest(),
                n.fetchUrl(), Instant.parse("2026-12-31T23:00:00Z"), Instant.parse("2027-01-01T00:00:00Z"));
        String json = new String(PmpJson.write(late), StandardCharsets.UTF_8)
                .replace("2026-12-31T23:00:00Z", "2026-12-31T23:59:60Z");
        assertThat(PmpJson.readNotification(json.getBytes(StandardCharsets.UTF_8)).sentAt())
                .isEqualTo(Instant.parse("2026-12-31T23:59:59Z"));
    }

    /** PROTOCOL.md 1: everything else is refused with 400 invalid-notification. */
    @ParameterizedTest
    @ValueSource(strings = {
            "\"2026-11-26 12:00:00Z\"",           // a space instead of T
            "\"2026-11-26T12:00:00\"",            // no zone
            "\"2026-11-26T12:00Z\"",              // no seconds
            "\"2026-11-26\"",                     // a date only
            "\"2026-11-26T12:00:00+0200\"",       // an offset without a colon
            "\"2026-11-26T12:00:00+02\"",         // an offset without minutes
            "\"2026-11-26T12:00:00+19:00\"",      // an offset beyond ±18:00
            "\"2026-11-26T12:00:00.1234567891Z\"", // more than 9 fraction digits
            "\"2026-11-26T12:00:00.Z\"",          // a point without digits
            "\"2026-02-30T12:00:00Z\"",           // no such day
            "\"2026-11-26T12:00:60Z\"",           // second 60 other than at 23:59
            "\"2026-11-26T24:00:00Z\"",           // hour 24 (Java would read the next midnight)
            "\"+2026-11-26T12:00:00Z\"",          // a signed year
            "\"300000-01-01T00:00:00Z\"",          // a year of more than four digits (no database holds it)
            "\" 2026-11-26T12:00:00Z\"",          // padded
            "\"2026-11-26T12:00:00Z \"",
            "\"2026-11-26T14:00:00+02:00[Europe/Berlin]\"", // a zone name
            "\"1795694400\"",                     // epoch seconds as a string
            "1795694400",                          // epoch seconds as a number
            "1795694400.5",
            "\"\"",
            "true"})
    void refusesEveryOtherTimestampForm(String rawJsonValue) {
        assertThatThrownBy(() -> PmpJson.readNotification(sentAt(rawJsonValue))).as(rawJsonValue)
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.type()).isEqualTo(ProblemType.INVALID_NOTIFICATION));
    }

    @Test
    void acceptsRecipientsOfSeveralDomainsTheReceiverThenRefusesAsForeign() throws Exception {
        String good = new String(PmpJson.write(valid("hi", bob())), StandardCharsets.UTF_8);
        String mixed = good.replace("\"recipients\":[",
                "\"recipients\":[{\"address\":\"eve@gamma.test\",\"token\":\"" + TOKEN + "\"},");
        Notification n = PmpJson.readNotification(mixed.getBytes(StandardCharsets.UTF_8));
        assertThat(n.recipients()).hasSize(2);
        assertThat(n.allRecipientsIn("beta.test")).isFalse();
    }

    @Test
    void readsTheReceiptOfSection3_4() throws Exception {
        String json = "{\"id\":\"m-1\",\"recipients\":[{\"address\":\"bob@beta.test\",\"outcome\":\"accepted\"},"
                + "{\"address\":\"carol@beta.test\",\"outcome\":\"unknown\"},"
                + "{\"address\":\"dave@beta.test\",\"outcome\":\"blocked\",\"since\":\"2026\"}],\"later\":1}";
        NotificationReceipt receipt = PmpJson.read(json.getBytes(StandardCharsets.UTF_8), NotificationReceipt.class,
                ProblemType.MALFORMED_REQUEST);
        assertThat(receipt.id()).isEqualTo("m-1");
        assertThat(receipt.recipients()).extracting(NotificationReceipt.RecipientOutcome::outcome)
                .containsExactly(Outcome.ACCEPTED, Outcome.UNKNOWN, Outcome.BLOCKED);
    }

    @Test
    void readsAnOutcomeThisVersionDoesNotKnowAsAccepted() throws Exception {
        String json = "{\"id\":\"m-1\",\"recipients\":[{\"address\":\"bob@beta.test\",\"outcome\":\"quarantined\"}]}";
        NotificationReceipt receipt = PmpJson.read(json.getBytes(StandardCharsets.UTF_8), NotificationReceipt.class,
                ProblemType.MALFORMED_REQUEST);
        assertThat(receipt.recipients().get(0).outcome()).isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void writesEachOutcomeInLowercase() {
        assertThat(PmpJson.writeString(new NotificationReceipt("m-1", List.of(
                new NotificationReceipt.RecipientOutcome("bob@beta.test", Outcome.BLOCKED)))))
                .isEqualTo("{\"id\":\"m-1\",\"recipients\":[{\"address\":\"bob@beta.test\",\"outcome\":\"blocked\"}]}");
    }

    @Test
    void readsAStatusReport() throws Exception {
        StatusReport report = PmpJson.readStatusReport(
                "{\"recipients\":[{\"address\":\"bob@beta.test\",\"status\":\"spam\"}]}".getBytes(StandardCharsets.UTF_8));
        assertThat(report.recipients()).containsExactly(
                new StatusReport.RecipientStatus("bob@beta.test", StatusReport.Status.SPAM));
    }

    /** PROTOCOL.md 5.2: a body the sender cannot act on is 400 malformed-request, an unknown status included. */
    @ParameterizedTest
    @ValueSource(strings = {
            "not json",
            "{}",
            "{\"recipients\":[]}",
            "{\"recipients\":[{\"status\":\"stored\"}]}",
            "{\"recipients\":[{\"address\":\"bob@beta.test\"}]}",
            "{\"recipients\":[{\"address\":\"bob@beta.test\",\"status\":\"read\"}]}",
            "{\"recipients\":[{\"address\":\"bob@beta.test\",\"status\":\"STORED\"}]}",
            // an address listed twice: which status would count?
            "{\"recipients\":[{\"address\":\"bob@beta.test\",\"status\":\"stored\"},"
                    + "{\"address\":\"bob@beta.test\",\"status\":\"spam\"}]}"})
    void refusesAStatusReportItCannotActOn(String json) {
        assertThatThrownBy(() -> PmpJson.readStatusReport(json.getBytes(StandardCharsets.UTF_8))).as(json)
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.type()).isEqualTo(ProblemType.MALFORMED_REQUEST));
    }

    @Test
    void refusesAStatusReportOfMoreThan100Entries() {
        List<StatusReport.RecipientStatus> entries = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            entries.add(new StatusReport.RecipientStatus("u" + i + "@beta.test", StatusReport.Status.STORED));
        }
        assertThatThrownBy(() -> new StatusReport(entries).validate())
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.type()).isEqualTo(ProblemType.MALFORMED_REQUEST));
    }

    /** PROTOCOL.md 1: every member has its JSON type; nothing is coerced. */
    @ParameterizedTest
    @ValueSource(strings = {"\"id\":12345", "\"size\":\"120\"", "\"size\":1.5", "\"subject\":7", "\"from\":true"})
    void refusesAMemberOfAnotherJsonType(String member) throws Exception {
        String name = member.substring(1, member.indexOf('"', 1));
        String json = new String(PmpJson.write(valid("hi", bob())), StandardCharsets.UTF_8)
                .replaceFirst("\"" + name + "\":(\"[^\"]*\"|[0-9]+)", java.util.regex.Matcher.quoteReplacement(member));
        assertThat(json).contains(member);
        assertInvalid(json, ProblemType.INVALID_NOTIFICATION);
    }
}
