package org.pullmail.bridge.outbound;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.pullmail.protocol.ProblemType;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.service.InternalApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * This domain's outbox, on its internal API: the bytes of a message, fetched with a recipient's capability (as a
 * fetch: the delivery counts as fetched), and each recipient's SMTP result.
 */
final class OutboxClient {

    private static final Logger log = LoggerFactory.getLogger(OutboxClient.class);

    /** What the outbox hears of each recipient ({@code POST /internal/v1/deliveries/smtp}). */
    record SmtpResult(UUID messageId, List<RecipientResult> recipients) {

        record RecipientResult(String address, Status status, String detail) {
        }

        enum Status {
            @JsonProperty("stored") STORED,
            @JsonProperty("failed") FAILED
        }
    }

    /** Larger than any message the outbox takes (25 MB of bytes, base64 grown, and headers). */
    private static final long MAX_MESSAGE_BYTES = 64L * 1024 * 1024;

    private static final Duration FETCH_TIMEOUT = Duration.ofMinutes(2);
    /** Closes the stream of a fetch whose body is not in when its time is up. */
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "outbox-fetch-deadlines");
        thread.setDaemon(true);
        return thread;
    });

    private final HttpClient http;
    private final InternalApi internal;
    private final String outboxUrl;

    OutboxClient(HttpClient http, InternalApi internal, String outboxUrl) {
        this.http = http;
        this.internal = internal;
        this.outboxUrl = outboxUrl.endsWith("/") ? outboxUrl.substring(0, outboxUrl.length() - 1) : outboxUrl;
    }

    /**
     * The message's bytes, fetched with every recipient's token at once: each of their deliveries counts as fetched,
     * so that a recall from now on cannot mark one recalled that is then delivered.
     */
    SpooledMessage message(UUID messageId, List<String> tokens, Deadline deadline) throws DeliveryFailure {
        HttpResponse<InputStream> response;
        try {
            HttpRequest.Builder request = internal.request(outboxUrl + "/internal/v1/messages/" + messageId + "/raw");
            tokens.forEach(t -> request.header("Pullmail-Capability", t));
            Duration timeout = deadline.remaining().compareTo(FETCH_TIMEOUT) < 0 ? deadline.remaining() : FETCH_TIMEOUT;
            if (timeout.isZero()) {
                throw DeliveryFailure.temporary("the attempt's time was up before the message was fetched");
            }
            response = http.send(request.timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            InputStream in = response.body();
            // the request's timeout ends with the headers: the body is read within the attempt's deadline too, or
            // its stream is closed under the reader (a stalled outbox must not outlive the lease)
            ScheduledFuture<?> cut = DEADLINES.schedule(() -> closeQuietly(in), timeout.toNanos(), TimeUnit.NANOSECONDS);
            try (in) {
                if (response.statusCode() == 200) {
                    // to a temporary file, never whole in the heap
                    SpooledMessage message = SpooledMessage.copy(in, MAX_MESSAGE_BYTES);
                    if (message == null) {
                        throw DeliveryFailure.permanent("the outbox served more than " + MAX_MESSAGE_BYTES + " bytes");
                    }
                    return message;
                }
                byte[] body = in.readNBytes(4096);
                if (response.statusCode() == 404 || response.statusCode() == 410) {
                    // recalled, expired, declined or gone: no retry brings it back
                    throw DeliveryFailure.permanent("the outbox no longer serves the message: " + problem(body));
                }
                throw DeliveryFailure.temporary("the outbox answered " + response.statusCode() + " to the fetch");
            } finally {
                cut.cancel(false);
            }
        } catch (IOException e) {
            throw DeliveryFailure.temporary("the outbox cannot be reached: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeliveryFailure.temporary("interrupted while fetching from the outbox", e);
        }
    }

    /**
     * True when the outbox is done with the results: it took them (it is idempotent: a repeat changes nothing), or
     * refused them as not its own (a 4xx, which no repeat mends); false when it should hear them again later.
     */
    boolean report(SmtpResult result) {
        try {
            HttpResponse<String> response = http.send(internal.request(outboxUrl + "/internal/v1/deliveries/smtp")
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(PmpJson.write(result))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 == 4) {
                log.warn("the outbox refused the SMTP results of message {}: {} {}", result.messageId(),
                        response.statusCode(), response.body());
            }
            return response.statusCode() < 500;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // closed to stop a stalled read: nothing more to do
        }
    }

    private static String problem(byte[] body) {
        try {
            Problem p = PmpJson.read(body, Problem.class, ProblemType.MALFORMED_REQUEST);
            return p.detail() != null ? p.detail() : p.title() != null ? p.title() : "gone";
        } catch (ProtocolException e) {
            return "gone";
        }
    }

    private record Problem(String title, String detail) {
    }
}
