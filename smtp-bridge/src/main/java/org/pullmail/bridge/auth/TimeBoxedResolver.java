package org.pullmail.bridge.auth;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.TSIG;

/**
 * The bridge's resolver for the checks of one message, with a deadline over all their questions: a question asked
 * after it, or still unanswered at it, times out, which SPF, DKIM and DMARC each report as {@code temperror}. So a
 * sender's DNS that answers slowly (or a message with many signatures) holds a check for the deadline at most, not
 * for the resolver's timeout times every lookup. The shared resolver's settings are never changed from here.
 */
final class TimeBoxedResolver implements Resolver {

    private final Resolver resolver;
    private final long deadlineNanos;

    TimeBoxedResolver(Resolver resolver, Duration deadline) {
        this.resolver = resolver;
        this.deadlineNanos = System.nanoTime() + deadline.toNanos();
    }

    boolean expired() {
        return System.nanoTime() - deadlineNanos >= 0;
    }

    @Override
    public Message send(Message query) throws IOException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("the deadline of the sender checks passed");
        }
        CompletableFuture<Message> answer = resolver.sendAsync(query).toCompletableFuture();
        try {
            return answer.get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new SocketTimeoutException("the deadline of the sender checks passed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SocketTimeoutException("interrupted");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    @Override
    public CompletionStage<Message> sendAsync(Message query) {
        return sendAsync(query, (Executor) null);
    }

    @Override
    public CompletionStage<Message> sendAsync(Message query, Executor executor) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            return CompletableFuture.failedFuture(new SocketTimeoutException("the deadline of the sender checks passed"));
        }
        CompletionStage<Message> answer = executor == null ? resolver.sendAsync(query)
                : resolver.sendAsync(query, executor);
        return answer.toCompletableFuture().orTimeout(left, TimeUnit.NANOSECONDS);
    }

    @Override
    public Duration getTimeout() {
        return resolver.getTimeout();
    }

    // the shared resolver is configured once, in DnsResolvers; a library's settings for one check are ignored

    @Override
    public void setPort(int port) {
    }

    @Override
    public void setTCP(boolean flag) {
    }

    @Override
    public void setIgnoreTruncation(boolean flag) {
    }

    @Override
    public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {
    }

    @Override
    public void setTSIGKey(TSIG key) {
    }

    @Override
    public void setTimeout(Duration timeout) {
    }
}
