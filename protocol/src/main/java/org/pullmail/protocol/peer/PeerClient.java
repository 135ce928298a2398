package org.pullmail.protocol.peer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;

import javax.net.ssl.SSLContext;

import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

import org.pullmail.protocol.discovery.PublicAddresses;

/**
 * The HTTP client of every PMP/1 exchange with another domain: discovery, notifications, fetches and
 * status reports (PROTOCOL.md 8.2).
 * <ul>
 * <li><b>A deadline for the whole exchange</b>, not only for the response head: a base deadline plus
 * the bytes it may read at the minimum transfer rate. When it passes the connection is closed,
 * wherever the exchange is (connecting, waiting for the head, reading a trickled body), so a peer that
 * sends a byte now and then holds a worker no longer than that.</li>
 * <li><b>A bound on what is read</b>: the body is read up to the bound and the connection dropped
 * beyond it, never drained.</li>
 * <li><b>The checked address is the connected one</b>: each host is resolved once, every address is
 * checked against {@link PeerPolicy}, and the connection goes to those addresses (see
 * {@link CheckedResolver}); TLS still verifies and sends (SNI) the host name. The JDK's HttpClient
 * cannot do this on Java 17 (it resolves on its own when it connects), hence Apache HttpClient.</li>
 * <li>No redirects, no automatic retries (a signed request must never go twice: the second would
 * reuse its nonce), no cookies, no content decoding, no proxy from system properties.</li>
 * </ul>
 */
public final class PeerClient implements AutoCloseable {

    /** One timer thread for every client: it only closes connections whose deadline passed. */
    private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

    private final CloseableHttpClient http;
    private final PeerPolicy policy;
    private final Duration deadline;
    private final long minBytesPerSecond;

    private PeerClient(Builder b) {
        this.policy = b.policy;
        this.deadline = b.deadline;
        this.minBytesPerSecond = b.minBytesPerSecond;
        var connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(new CheckedResolver(b.policy, b.lookup, b.isPublic))
                .setTlsSocketStrategy(b.sslContext == null ? DefaultClientTlsStrategy.createDefault()
                        : new DefaultClientTlsStrategy(b.sslContext))
                .setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(timeout(b.idleTimeout)).build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(timeout(b.connectTimeout))
                        .setSocketTimeout(timeout(b.idleTimeout))
                        .setValidateAfterInactivity(TimeValue.ofSeconds(1))
                        .setTimeToLive(TimeValue.ofMinutes(5))
                        .build())
                .setMaxConnPerRoute(b.maxConnectionsPerHost)
                .setMaxConnTotal(b.maxConnectionsPerHost * 8)
                .build();
        HttpClientBuilder builder = HttpClients.custom()
                .setConnectionManager(connections)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(timeout(b.connectTimeout))
                        .setResponseTimeout(timeout(b.idleTimeout))
                        .setRedirectsEnabled(false)
                        .build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .setUserAgent("Pullmail PMP/1");
        b.customizer.accept(builder);
        this.http = builder.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Which domains have static entries, and where their URLs may point. */
    public PeerPolicy policy() {
        return policy;
    }

    /** The deadline of an exchange that may read {@code bytes}: the base plus those bytes at the minimum rate. */
    public Duration deadlineFor(long bytes) {
        return deadline.plusMillis(Math.max(0, bytes) * 1000 / minBytesPerSecond);
    }

    /**
     * Sends the request and reads at most {@code maxBytes} of the answer, all within
     * {@link #deadlineFor deadlineFor(maxBytes)}.
     *
     * @throws NonPublicAddressException when the host resolves to an address the policy refuses (nothing was sent)
     * @throws DeadlineExceededException when the exchange did not finish in time
     * @throws IOException               on any other network failure
     */
    public PeerResponse exchange(PeerRequest request, long maxBytes) throws IOException {
        return exchange(request, maxBytes, WHOLE_BODY);
    }

    /** Reads the body into memory, up to the exchange's bound (then {@link PeerResponse#truncated()}). */
    public static final BodyReader<PeerResponse> WHOLE_BODY = (status, headers, body) -> {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean truncated = false;
        try {
            body.transferTo(bytes);
        } catch (BodyTooLongException e) {
            truncated = true;
        }
        return new PeerResponse(status, headers, bytes.toByteArray(), truncated);
    };

    /** Reads an answer's body as it arrives, for bodies too large to hold (a fetched message). */
    @FunctionalInterface
    public interface BodyReader<T> {
        /**
         * @param body the body, which gives at most the exchange's bound: reading past it throws
         *             {@link BodyTooLongException}; every read may throw {@link DeadlineExceededException}
         */
        T read(int status, Map<String, List<String>> headers, InputStream body) throws IOException;
    }

    /** The body went on beyond the bound of the exchange (the rest is not read). */
    public static final class BodyTooLongException extends IOException {
        BodyTooLongException(long bound) {
            super("the answer is longer than " + bound + " bytes");
        }
    }

    /**
     * Sends the request and hands the answer to {@code reader} as it arrives: at most {@code maxBytes} of the
     * body, all within {@link #deadlineFor deadlineFor(maxBytes)}. The connection is reused only when the reader
     * read the body to its end; otherwise it is closed (never drained at the peer's pace).
     *
     * @throws NonPublicAddressException when the host resolves to an address the policy refuses (nothing was sent)
     * @throws DeadlineExceededException when the exchange did not finish in time
     * @throws IOException               on any other network failure, or the reader's
     */
    public <T> T exchange(PeerRequest request, long maxBytes, BodyReader<T> reader) throws IOException {
        Duration limit = deadlineFor(maxBytes);
        long endsAt = System.nanoTime() + limit.toNanos();
        HttpUriRequestBase message = new HttpUriRequestBase(request.method(), request.uri());
        request.headers().forEach(message::addHeader);
        if (request.body() != null) {
            message.setEntity(new ByteArrayEntity(request.body(), null));
        }
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> timer = DEADLINES.schedule(() -> {
            expired.set(true);
            message.cancel();
        }, limit.toNanos(), TimeUnit.NANOSECONDS);
        try {
            ClassicHttpResponse response = http.executeOpen(null, message, HttpClientContext.create());
            Body body = null;
            try {
                Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                for (Header header : response.getHeaders()) {
                    headers.computeIfAbsent(header.getName(), n -> new ArrayList<>()).add(header.getValue());
                }
                HttpEntity entity = response.getEntity();
                body = new Body(entity == null ? InputStream.nullInputStream() : entity.getContent(), maxBytes, endsAt,
                        request, limit);
                return reader.read(response.getCode(), headers, body);
            } finally {
                if (body != null && body.ended) {
                    response.close(); // the connection goes back to the pool
                } else {
                    // closing would otherwise drain the rest of the body, at the peer's pace
                    message.cancel();
                    closeQuietly(response);
                }
            }
        } catch (IOException e) {
            if (expired.get() && !(e instanceof DeadlineExceededException)) {
                DeadlineExceededException timeout = new DeadlineExceededException(request.uri().getHost(), limit);
                timeout.initCause(e);
                throw timeout;
            }
            throw e;
        } finally {
            timer.cancel(false);
        }
    }

    /** An answer's body: bounded, and checked against the exchange's deadline at every read. */
    private static final class Body extends InputStream {
        private final InputStream in;
        private final long bound;
        private final long endsAt;
        private final PeerRequest request;
        private final Duration deadline;
        private long read;
        boolean ended;

        Body(InputStream in, long bound, long endsAt, PeerRequest request, Duration deadline) {
            this.in = in;
            this.bound = bound;
            this.endsAt = endsAt;
            this.request = request;
            this.deadline = deadline;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            if (ended) {
                return -1;
            }
            if (length == 0) {
                return 0;
            }
            if (read == bound) {
                // the bound is reached: one more byte says whether the body ends here
                if (in.read() < 0) {
                    ended = true;
                    return -1;
                }
                throw new BodyTooLongException(bound);
            }
            int n = in.read(into, offset, (int) Math.min(length, bound - read));
            // also checked here, should closing the connection not interrupt a blocked read
            if (System.nanoTime() - endsAt > 0) {
                throw new DeadlineExceededException(request.uri().getHost(), deadline);
            }
            if (n < 0) {
                ended = true;
                return -1;
            }
            read += n;
            return n;
        }
    }

    @Override
    public void close() {
        http.close(CloseMode.IMMEDIATE);
    }

    private static void closeQuietly(ClassicHttpResponse response) {
        try {
            response.close();
        } catch (IOException alreadyClosed) {
            // the connection was dropped on purpose
        }
    }

    private static Timeout timeout(Duration d) {
        return Timeout.ofMilliseconds(d.toMillis());
    }

    private static ScheduledThreadPoolExecutor deadlines() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "pmp-exchange-deadlines");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** Settings of a {@link PeerClient}; the defaults are PROTOCOL.md 8.2's. */
    public static final class Builder {
        private PeerPolicy policy = PeerPolicy.publicOnly();
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration idleTimeout = Duration.ofSeconds(10);
        private Duration deadline = Duration.ofSeconds(15);
        private long minBytesPerSecond = 64 * 1024;
        private int maxConnectionsPerHost = 32;
        private SSLContext sslContext;
        private CheckedResolver.Lookup lookup = InetAddress::getAllByName;
        private Predicate<InetAddress> isPublic = PublicAddresses::isPublic;
        private Consumer<HttpClientBuilder> customizer = b -> { };

        private Builder() {
        }

        public Builder policy(PeerPolicy policy) {
            this.policy = policy;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** The longest silence between two reads (the whole exchange has {@link #deadline} besides). */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        /** The base deadline of a whole exchange, before the time its bytes may take at the minimum rate. */
        public Builder deadline(Duration deadline) {
            this.deadline = deadline;
            return this;
        }

        public Builder minBytesPerSecond(long minBytesPerSecond) {
            if (minBytesPerSecond <= 0) {
                throw new IllegalArgumentException("the minimum transfer rate must be positive");
            }
            this.minBytesPerSecond = minBytesPerSecond;
            return this;
        }

        public Builder maxConnectionsPerHost(int maxConnectionsPerHost) {
            this.maxConnectionsPerHost = maxConnectionsPerHost;
            return this;
        }

        /** The TLS context (its trust store); the JDK's default when not set. */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        /** Instrumentation, for instance Micrometer's observation of each exchange. */
        public Builder customizer(Consumer<HttpClientBuilder> customizer) {
            this.customizer = customizer;
            return this;
        }

        /** For tests: name resolution without DNS. */
        Builder lookup(CheckedResolver.Lookup lookup) {
            this.lookup = lookup;
            return this;
        }

        /** For tests: which addresses count as public (only loopback can be reached from a test). */
        Builder publicAddresses(Predicate<InetAddress> isPublic) {
            this.isPublic = isPublic;
            return this;
        }

        public PeerClient build() {
            return new PeerClient(this);
        }
    }
}
