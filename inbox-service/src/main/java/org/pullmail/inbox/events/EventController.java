package org.pullmail.inbox.events;

import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.pullmail.inbox.mailbox.Mailboxes;
import org.pullmail.service.ApiProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-sent events of new requests and new messages. Each event's id is its position in the
 * mailbox's event log; a client that reconnects with {@code Last-Event-ID} gets what it missed.
 * New events are found by polling the log, which works the same with any number of replicas: one query per
 * poll for all open streams, however many there are.
 *
 * <p>An open stream holds no thread (an {@link SseEmitter} is written to when there is something to send). Every
 * {@link EventStreamProperties#heartbeat()} a stream with nothing to say gets a comment line; writing it to a
 * connection whose client is gone fails, and the stream is dropped. Sends run on this feature's own thread, never
 * on the application's scheduler, so a stream whose writes stall cannot hold up fetch jobs.
 */
@RestController
class EventController implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(EventController.class);

    /**
     * What a client reads from an event: a new {@code request} or {@code message}, and its id; or the daily
     * {@code digest} of waiting requests, with how many wait, from how many domains, and since when the oldest.
     */
    record EventData(String type, UUID id, Integer count, Integer domains, Instant oldest) {

        static EventData of(MailboxEvents.Event e) {
            MailboxEvents.Digest d = e.digest();
            return d == null ? new EventData(e.type(), e.subjectId(), null, null, null)
                    : new EventData(e.type(), e.subjectId(), d.count(), d.domains(), d.oldest());
        }
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

    private final MailboxEvents eventLog;
    private final Mailboxes mailboxes;
    private final EventStreamProperties settings;
    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "mailbox-events");
        thread.setDaemon(true);
        return thread;
    });

    EventController(MailboxEvents eventLog, Mailboxes mailboxes, EventStreamProperties settings) {
        this.eventLog = eventLog;
        this.mailboxes = mailboxes;
        this.settings = settings;
        sender.scheduleWithFixedDelay(guarded(this::poll), settings.pollInterval().toMillis(),
                settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
        sender.scheduleWithFixedDelay(guarded(this::heartbeat), settings.heartbeat().toMillis(),
                settings.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
    }

    @GetMapping(value = "/api/v1/inbox/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(@AuthenticationPrincipal Jwt user,
            @RequestHeader(value = "Last-Event-ID", required = false) String lastEventId) {
        String mailbox = mailboxes.of(user);
        long after;
        try {
            after = lastEventId == null ? eventLog.latest(mailbox) : Long.parseLong(lastEventId.trim());
        } catch (NumberFormatException e) {
            throw ApiProblem.invalid("Last-Event-ID is the id of an event this stream sent");
        }
        SseEmitter emitter = new SseEmitter(settings.lifetime().toMillis());
        Subscriber subscriber = new Subscriber(mailbox, emitter, after);
        emitter.onCompletion(() -> subscribers.remove(subscriber));
        emitter.onTimeout(() -> subscribers.remove(subscriber));
        emitter.onError(e -> subscribers.remove(subscriber));
        if (send(subscriber, SseEmitter.event().comment("pullmail events for " + mailbox).reconnectTime(3000))) {
            subscribers.add(subscriber);
            // what the client missed, sent on the events thread like everything else
            sender.execute(guarded(() -> deliver(subscriber, eventLog.after(mailbox, after))));
        }
        return emitter;
    }

    @Override
    public void destroy() {
        sender.shutdownNow();
    }

    /**
     * New events of every open stream's mailbox, in one query, each mailbox from its own cursor (the
     * oldest of its streams) and at most 100 of them a pass: a quiet mailbox, or a client resuming from
     * an old Last-Event-ID, never holds back the others.
     */
    private void poll() {
        if (subscribers.isEmpty()) {
            return;
        }
        Map<String, Long> cursors = new HashMap<>();
        for (Subscriber s : subscribers) {
            cursors.merge(s.mailbox, s.lastId, Math::min);
        }
        Map<String, List<MailboxEvents.Event>> byMailbox = eventLog.after(cursors).stream()
                .collect(Collectors.groupingBy(MailboxEvents.Event::mailbox));
        for (Subscriber s : subscribers) {
            List<MailboxEvents.Event> events = byMailbox.get(s.mailbox);
            if (events != null) {
                deliver(s, events);
            }
        }
    }

    private void heartbeat() {
        for (Subscriber s : subscribers) {
            send(s, SseEmitter.event().comment("heartbeat"));
        }
    }

    private void deliver(Subscriber s, List<MailboxEvents.Event> events) {
        for (MailboxEvents.Event e : events) {
            if (e.id() <= s.lastId) {
                continue;
            }
            if (!send(s, SseEmitter.event().id(Long.toString(e.id())).name(e.type())
                    .data(EventData.of(e), MediaType.APPLICATION_JSON))) {
                return;
            }
            s.lastId = e.id();
        }
    }

    /** Sends one event; a stream that cannot take it is gone, and is dropped. */
    private boolean send(Subscriber s, SseEmitter.SseEventBuilder event) {
        try {
            s.emitter.send(event);
            return true;
        } catch (IOException | IllegalStateException gone) {
            subscribers.remove(s);
            try {
                s.emitter.complete();
            } catch (IllegalStateException completedAlready) {
                // nothing to do
            }
            return false;
        }
    }

    /** A failed round is logged and the next one runs: an exception must not end a scheduled task. */
    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("mailbox events: {}", e.toString());
            }
        };
    }
}
