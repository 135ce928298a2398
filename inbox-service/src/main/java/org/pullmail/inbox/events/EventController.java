package org.pullmail.inbox.events;

import java.io.IOException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.pullmail.inbox.mailbox.Mailboxes;
import org.pullmail.service.ApiProblem;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-sent events of new requests and new messages. Each event's id is its position in the
 * mailbox's event log; a client that reconnects with {@code Last-Event-ID} gets what it missed.
 * New events are found by polling the log, which works the same with any number of replicas.
 */
@RestController
class EventController {

    private static final Duration STREAM_LIFETIME = Duration.ofMinutes(30);

    private record Event(long id, String type, UUID subjectId) {
    }

    private static final class Subscriber {
        final String mailbox;
        final SseEmitter emitter;
        volatile long lastId;

        Subscriber(String mailbox, SseEmitter emitter, long lastId) {
            this.mailbox = mailbox;
            this.emitter = emitter;
            this.lastId = lastId;
        }
    }

    private final JdbcClient jdbc;
    private final Mailboxes mailboxes;
    private final Map<SseEmitter, Subscriber> subscribers = new ConcurrentHashMap<>();

    EventController(JdbcClient jdbc, Mailboxes mailboxes, Clock clock) {
        this.jdbc = jdbc;
        this.mailboxes = mailboxes;
    }

    @GetMapping(value = "/api/v1/inbox/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(@AuthenticationPrincipal Jwt user,
            @RequestHeader(value = "Last-Event-ID", required = false) String lastEventId) {
        String mailbox = mailboxes.of(user);
        long after;
        try {
            after = lastEventId == null ? latest(mailbox) : Long.parseLong(lastEventId.trim());
        } catch (NumberFormatException e) {
            throw ApiProblem.invalid("Last-Event-ID is the id of an event this stream sent");
        }
        SseEmitter emitter = new SseEmitter(STREAM_LIFETIME.toMillis());
        Subscriber subscriber = new Subscriber(mailbox, emitter, after);
        emitter.onCompletion(() -> subscribers.remove(emitter));
        emitter.onTimeout(() -> subscribers.remove(emitter));
        emitter.onError(e -> subscribers.remove(emitter));
        subscribers.put(emitter, subscriber);
        try {
            emitter.send(SseEmitter.event().comment("pullmail events for " + mailbox).reconnectTime(3000));
        } catch (IOException e) {
            subscribers.remove(emitter);
        }
        deliver(subscriber);
        return emitter;
    }

    @Scheduled(fixedDelayString = "PT0.5S")
    void poll() {
        subscribers.values().forEach(this::deliver);
    }

    @Scheduled(fixedDelayString = "PT6H", initialDelayString = "PT1M")
    void forgetOldEvents() {
        jdbc.sql("DELETE FROM mailbox_event WHERE created_at < ?")
                .param(Timestamp.from(java.time.Instant.now().minus(Duration.ofDays(7)))).update();
    }

    private synchronized void deliver(Subscriber s) {
        List<Event> events = jdbc.sql("""
                SELECT id, type, subject_id FROM mailbox_event WHERE mailbox = ? AND id > ? ORDER BY id LIMIT 500""")
                .params(s.mailbox, s.lastId)
                .query((rs, n) -> new Event(rs.getLong(1), rs.getString(2), rs.getObject(3, UUID.class))).list();
        for (Event e : events) {
            try {
                s.emitter.send(SseEmitter.event().id(Long.toString(e.id())).name(e.type())
                        .data(Map.of("type", e.type(), "id", e.subjectId().toString()), MediaType.APPLICATION_JSON));
                s.lastId = e.id();
            } catch (IOException | IllegalStateException gone) {
                subscribers.remove(s.emitter);
                return;
            }
        }
    }

    private long latest(String mailbox) {
        return jdbc.sql("SELECT coalesce(max(id), 0) FROM mailbox_event WHERE mailbox = ?").param(mailbox)
                .query(Long.class).single();
    }
}
