package org.pullmail.gateway.edge;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.pullmail.service.ProblemResponses;

/**
 * A whole-request deadline for request bodies, enforced before any thread is given to the request.
 *
 * <p>A body of up to {@code bufferedBodyBytes} (every PMP/1 notification and status report, every JSON call) is
 * read here asynchronously: Jetty calls back as bytes arrive, and no thread waits in between. Only when the body
 * is complete is the request handed to the servlet stack, which then reads it from memory. A body that is not
 * complete within the deadline is answered 408 and its connection closed, however steadily it trickles in
 * (Jetty's own idle timeout only measures the gap between two bytes).
 *
 * <p>Larger bodies (message uploads, which only a user with a valid token gets as far as sending) are handed on
 * at once and read while they are proxied. They must keep up a minimum data rate once the deadline has passed:
 * when the reader has to wait for bytes and fewer have come than the rate owes, the read fails with
 * {@link SlowRequestBody} (answered 408). Jetty's own {@code minRequestDataRate} is not used: it also counts the
 * time the application takes between reads, and so fails small bodies that a busy proxy reads in two goes.
 */
final class BodyDeadline extends Handler.Wrapper {

    private final Duration deadline;
    private final int bufferedBodyBytes;
    private final long minRequestDataRate;

    BodyDeadline(Handler next, Duration deadline, int bufferedBodyBytes, long minRequestDataRate) {
        super(next);
        this.deadline = deadline;
        this.bufferedBodyBytes = bufferedBodyBytes;
        this.minRequestDataRate = minRequestDataRate;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long length = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        boolean chunked = request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING, HttpHeaderValue.CHUNKED.asString());
        if (length > bufferedBodyBytes) {
            return super.handle(minRequestDataRate > 0 ? new MinimumRate(request) : request, response, callback);
        }
        if (length <= 0 && !chunked) {
            return super.handle(request, response, callback);
        }
        new BodyReader(request, response, callback).start();
        return true;
    }

    /** Reads one request's body into memory, or answers 408 when the deadline passes first. */
    private final class BodyReader implements Runnable {

        private final Request request;
        private final Response response;
        private final Callback callback;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private Scheduler.Task timer;
        /** Reading until the body is whole; then exactly one of handed on or timed out. */
        private boolean finished;

        BodyReader(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        void start() {
            synchronized (this) {
                timer = request.getComponents().getScheduler().schedule(this::expire, deadline.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
            run();
        }

        /** Called when content may be read: reads what has arrived, and asks to be called again when more does. */
        @Override
        public void run() {
            boolean last;
            synchronized (this) {
                if (finished) {
                    return;
                }
                while (true) {
                    Content.Chunk chunk = request.read();
                    if (chunk == null) {
                        request.demand(this);
                        return;
                    }
                    if (Content.Chunk.isFailure(chunk)) {
                        finished = true;
                        timer.cancel();
                        if (chunk.isLast()) {
                            callback.failed(chunk.getFailure()); // the connection broke
                        } else {
                            timedOut(); // Jetty's idle timeout: no byte for a while
                        }
                        return;
                    }
                    ByteBuffer bytes = chunk.getByteBuffer();
                    byte[] copy = new byte[bytes.remaining()];
                    bytes.get(copy);
                    body.write(copy, 0, copy.length);
                    last = chunk.isLast();
                    chunk.release();
                    if (last || body.size() > bufferedBodyBytes) {
                        finished = true;
                        timer.cancel();
                        break;
                    }
                }
            }
            handOn(last);
        }

        private void expire() {
            synchronized (this) {
                if (finished) {
                    return;
                }
                finished = true;
            }
            timedOut();
        }

        private void timedOut() {
            byte[] problem = ProblemResponses.body("request-timeout", "Request timeout", 408,
                    "the request body did not arrive whole within " + deadline.toSeconds() + " s");
            response.setStatus(408);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/problem+json");
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            response.write(true, ByteBuffer.wrap(problem), callback);
        }

        private void handOn(boolean whole) {
            if (whole) {
                handle(request, true);
                return;
            }
            // a chunked body longer than the buffer: the rest is read while proxied, at the minimum rate. This
            // may run inside Jetty's callback for the last demand, which serializes demand callbacks: the servlet
            // reading on in this thread would wait forever for the next one. So the rest goes to another thread.
            Request rest = minRequestDataRate <= 0 ? request : new MinimumRate(request);
            request.getComponents().getThreadPool().execute(() -> handle(rest, false));
        }

        private void handle(Request rest, boolean whole) {
            Request buffered = new BufferedBody(rest, ByteBuffer.wrap(body.toByteArray()), whole);
            try {
                if (!BodyDeadline.super.handle(buffered, response, callback)) {
                    Response.writeError(request, response, callback, 404);
                }
            } catch (Throwable t) {
                Response.writeError(request, response, callback, t);
            }
        }
    }

    /** A large body, read while it is proxied: it may not fall behind the minimum rate once the deadline is past. */
    private final class MinimumRate extends Request.Wrapper {

        private final long startNanos = System.nanoTime();
        private long bytes;

        MinimumRate(Request wrapped) {
            super(wrapped);
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk chunk = super.read();
            if (chunk != null) {
                bytes += chunk.remaining();
                return chunk;
            }
            // the reader has to wait for the client: is the client keeping up?
            long late = System.nanoTime() - startNanos - deadline.toNanos();
            if (late > 0 && bytes < minRequestDataRate * late / 1_000_000_000L) {
                return Content.Chunk.from(new SlowRequestBody(minRequestDataRate), true);
            }
            return null;
        }
    }

    /** The request, with the body read so far served from memory first. */
    private static final class BufferedBody extends Request.Wrapper {

        private Content.Chunk head;

        BufferedBody(Request wrapped, ByteBuffer body, boolean whole) {
            super(wrapped);
            this.head = Content.Chunk.from(body, whole);
        }

        @Override
        public Content.Chunk read() {
            synchronized (this) {
                Content.Chunk chunk = head;
                if (chunk != null) {
                    head = chunk.isLast() ? Content.Chunk.EOF : null;
                    return chunk;
                }
            }
            return super.read();
        }

        @Override
        public void demand(Runnable demandCallback) {
            boolean buffered;
            synchronized (this) {
                buffered = head != null;
            }
            if (buffered) {
                demandCallback.run();
            } else {
                super.demand(demandCallback);
            }
        }
    }
}
