package org.pullmail.gateway.events;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.pullmail.gateway.GatewayProperties;
import org.pullmail.protocol.ProblemType;
import org.pullmail.service.ProblemResponses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UrlPathHelper;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Proxies {@code GET /api/v1/inbox/events} (server-sent events) to the inbox without holding a request thread:
 * the servlet response is asynchronous and written only when Jetty says it can take bytes (non-blocking I/O),
 * and the inbox's stream is read by the JDK's asynchronous HTTP client. An open stream costs two sockets and a
 * few objects, so a thousand of them leave every request thread to everyone else.
 *
 * <p>It runs as a filter after Spring Security, so the account is known (the gateway requires a valid token
 * for this path), and before Spring Cloud Gateway's blocking proxy, which never sees these requests. Each
 * account may hold {@link GatewayProperties.Streams#perAccount()} streams at a time; the next is answered 429.
 * A stream ends when either side ends it, when the client stops reading (its unread backlog passes
 * {@link GatewayProperties.Streams#maxBacklogBytes()}), or when nothing, not even a heartbeat of the inbox, has
 * come for {@link GatewayProperties.Streams#idleTimeout()}; the client then resumes with Last-Event-ID.
 */
@Component
@Order(SecurityFilterProperties.DEFAULT_FILTER_ORDER + 10)
class EventStreamProxy extends OncePerRequestFilter implements DisposableBean {

    static final String PATH = "/api/v1/inbox/events";

    private static final Logger log = LoggerFactory.getLogger(EventStreamProxy.class);

    /** The request headers the inbox needs; nothing else of the client's is passed on. */
    private static final List<String> FORWARDED = List.of(HttpHeaders.AUTHORIZATION, "Last-Event-ID", "traceparent",
            "tracestate");

    private final EventStreams streams;
    private final GatewayProperties.Streams settings;
    private final URI upstream;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "event-stream-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    EventStreamProxy(EventStreams streams, GatewayProperties gateway) {
        this.streams = streams;
        this.settings = gateway.streams();
        this.upstream = URI.create(gateway.inboxUrl() + PATH);
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        // the decoded path, as the routes see it: /api/v1/inbox/%65vents is this path too
        return !("GET".equals(request.getMethod())
                && PATH.equals(UrlPathHelper.defaultInstance.getPathWithinApplication(request)));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException {
        Authentication user = SecurityContextHolder.getContext().getAuthentication();
        if (user == null || !user.isAuthenticated()) {
            ProblemResponses.write(response, 401, "unauthenticated", "Authentication required",
                    "send a valid access token from POST /api/v1/auth/token as a Bearer token");
            return;
        }
        Optional<EventStreams.Slot> slot = streams.open(user.getName());
        if (slot.isEmpty()) {
            response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, settings.retryAfter().toSeconds())));
            ProblemResponses.write(response, 429, "too-many-streams", "Too many event streams",
                    "this account has " + settings.perAccount() + " event streams open already; close one first");
            return;
        }
        HttpRequest.Builder upstreamRequest = HttpRequest.newBuilder(request.getQueryString() == null ? upstream
                : URI.create(upstream + "?" + request.getQueryString()))
                .timeout(Duration.ofSeconds(10))
                .header(HttpHeaders.ACCEPT, "text/event-stream")
                .header("X-Pullmail-Client", request.getRemoteAddr());
        for (String name : FORWARDED) {
            String value = request.getHeader(name);
            if (value != null) {
                upstreamRequest.header(name, value);
            }
        }
        try {
            AsyncContext async = request.startAsync();
            async.setTimeout(0); // streams end by the rules above, not by the servlet container's default 30 s
            new Relay(slot.get(), async, response).start(upstreamRequest.build());
        } catch (IOException | RuntimeException e) {
            slot.get().release();
            throw e;
        }
    }

    @Override
    public void destroy() {
        watchdog.shutdownNow();
    }

    /**
     * One stream: bytes from the inbox are queued and written to the client whenever its connection can take
     * them. Every state change happens under this object's lock; the container, the HTTP client and the watchdog
     * call in from their own threads.
     */
    private final class Relay implements Flow.Subscriber<List<ByteBuffer>>, WriteListener, AsyncListener {

        private final EventStreams.Slot slot;
        private final AsyncContext async;
        private final HttpServletResponse response;
        private final ServletOutputStream out;
        private final Deque<byte[]> pending = new ArrayDeque<>();
        private long pendingBytes;
        private boolean flushNeeded;
        private boolean upstreamDone;
        private boolean ended;
        private Flow.Subscription subscription;
        private volatile long lastUpstreamNanos = System.nanoTime();
        private ScheduledFuture<?> idleCheck;

        Relay(EventStreams.Slot slot, AsyncContext async, HttpServletResponse response) throws IOException {
            this.slot = slot;
            this.async = async;
            this.response = response;
            this.out = response.getOutputStream();
        }

        void start(HttpRequest request) {
            slot.onRevoked(() -> end("the account's tokens were revoked"));
            async.addListener(this);
            out.setWriteListener(this);
            long every = Math.max(1000, settings.idleTimeout().toMillis() / 3);
            idleCheck = watchdog.scheduleWithFixedDelay(this::checkIdle, every, every, TimeUnit.MILLISECONDS);
            http.sendAsync(request, this::onResponse).whenComplete((r, failure) -> {
                if (failure != null) {
                    upstreamFailed(failure);
                }
            });
        }

        private HttpResponse.BodySubscriber<Void> onResponse(HttpResponse.ResponseInfo info) {
            synchronized (this) {
                if (!ended && !response.isCommitted()) {
                    response.setStatus(info.statusCode());
                    for (String name : List.of(HttpHeaders.CONTENT_TYPE, HttpHeaders.CACHE_CONTROL,
                            HttpHeaders.RETRY_AFTER)) {
                        info.headers().firstValue(name).ifPresent(value -> response.setHeader(name, value));
                    }
                    response.setHeader("X-Accel-Buffering", "no"); // nor may a proxy in front buffer the stream
                    flushNeeded = true; // the client learns at once that the stream is open
                }
            }
            write();
            return HttpResponse.BodySubscribers.fromSubscriber(this);
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            boolean cancel;
            synchronized (this) {
                this.subscription = subscription;
                cancel = ended;
            }
            if (cancel) {
                subscription.cancel();
            } else {
                // read the inbox as fast as it sends: a client that does not keep up is cut off below instead,
                // so that it never holds the inbox's writes
                subscription.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            lastUpstreamNanos = System.nanoTime();
            boolean tooFarBehind;
            synchronized (this) {
                if (ended) {
                    return;
                }
                for (ByteBuffer buffer : buffers) {
                    byte[] bytes = new byte[buffer.remaining()];
                    buffer.get(bytes);
                    pending.add(bytes);
                    pendingBytes += bytes.length;
                }
                tooFarBehind = pendingBytes > settings.maxBacklogBytes();
            }
            if (tooFarBehind) {
                end("the client does not read");
            } else {
                write();
            }
        }

        @Override
        public void onError(Throwable failure) {
            synchronized (this) {
                upstreamDone = true;
            }
            write();
        }

        @Override
        public void onComplete() {
            synchronized (this) {
                upstreamDone = true;
            }
            write();
        }

        private void upstreamFailed(Throwable failure) {
            synchronized (this) {
                if (!ended && !response.isCommitted() && pending.isEmpty()) {
                    log.debug("the inbox's event stream failed to open: {}", failure.toString());
                    response.setStatus(503);
                    response.setContentType("application/problem+json");
                    response.setHeader(HttpHeaders.RETRY_AFTER, "5");
                    byte[] problem = ("{\"type\":\"" + ProblemType.BASE + "unavailable\","
                            + "\"title\":\"Service unavailable\",\"status\":503,"
                            + "\"detail\":\"the inbox does not answer; try again shortly\"}")
                            .getBytes(StandardCharsets.UTF_8);
                    pending.add(problem);
                    pendingBytes += problem.length;
                }
                upstreamDone = true;
            }
            write();
        }

        /** Writes what is queued while the client's connection takes it; Jetty calls back when it can again. */
        @Override
        public void onWritePossible() {
            write();
        }

        private void write() {
            boolean finished = false;
            synchronized (this) {
                if (ended) {
                    return;
                }
                try {
                    while (out.isReady()) {
                        byte[] next = pending.poll();
                        if (next != null) {
                            pendingBytes -= next.length;
                            out.write(next);
                            flushNeeded = true;
                        } else if (flushNeeded) {
                            flushNeeded = false;
                            out.flush();
                        } else {
                            finished = upstreamDone;
                            break;
                        }
                    }
                } catch (IOException | IllegalStateException gone) {
                    finished = true;
                }
            }
            if (finished) {
                end(null);
            }
        }

        /** The client's connection failed (it hung up, or a write could not complete). */
        @Override
        public void onError(AsyncEvent event) {
            end("the client's connection failed");
        }

        @Override
        public void onComplete(AsyncEvent event) {
            end(null);
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            end("timed out");
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }

        private void checkIdle() {
            if (System.nanoTime() - lastUpstreamNanos > settings.idleTimeout().toNanos()) {
                end("nothing came from the inbox for " + settings.idleTimeout().toSeconds() + " s");
            }
        }

        /** Ends the stream once, from whichever side: the slot is given back and both connections are let go. */
        private void end(String why) {
            Flow.Subscription upstreamSubscription;
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                upstreamSubscription = subscription;
                pending.clear();
            }
            if (why != null) {
                log.debug("ending an event stream: {}", why);
            }
            slot.release();
            if (idleCheck != null) {
                idleCheck.cancel(false);
            }
            if (upstreamSubscription != null) {
                upstreamSubscription.cancel(); // closes the connection to the inbox
            }
            try {
                async.complete();
            } catch (IllegalStateException completedAlready) {
                // the container ended it first
            }
        }
    }
}
