package org.pullmail.inbox.notification;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

import org.pullmail.inbox.InboxProperties;
import org.pullmail.protocol.Notification;
import org.pullmail.service.ApiProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Notification intake by group commit. Request threads verify their notifications concurrently and
 * hand them here; writer threads take whatever has arrived (up to a batch's size) and store it in one
 * transaction with one statement per step for the whole batch ({@link IntakeBatch}), so that one commit
 * and one WAL flush serve many notifications. A request is answered only after its batch has committed.
 * <p>
 * A batch that fails as a whole (a notification the database refuses, a deadlock, a lost connection)
 * is written again one notification at a time, so a bad notification fails alone. Idempotent on
 * (sender domain, id): a repeat, in the same batch or later, gets the first answer and changes nothing.
 */
@Service
class NotificationIntake implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(NotificationIntake.class);

    /** A verified notification waiting for its batch, and its answer. */
    record Arrival(Notification notification, String clientAddress, CompletableFuture<String> answer) {
    }

    private final IntakeBatch batch;
    private final InboxProperties.Intake settings;
    private final BlockingQueue<Arrival> waiting;
    private final List<Thread> writers = new ArrayList<>();
    /** Notifications being read and verified by request threads, on their way here. */
    private final AtomicInteger verifying = new AtomicInteger();
    private volatile boolean running;

    private final DistributionSummary batchSizes;

    NotificationIntake(IntakeBatch batch, InboxProperties inbox, MeterRegistry meters) {
        this.batch = batch;
        this.batchSizes = DistributionSummary.builder("pullmail.intake.batch.size")
                .description("notifications stored by one transaction").register(meters);
        this.settings = inbox.intake();
        this.waiting = new ArrayBlockingQueue<>(settings.waiting());
        meters.gauge("pullmail.intake.waiting", waiting, BlockingQueue::size);
    }

    /** A request thread begins (+1) or ends (-1) verifying a notification. */
    void verifying(int change) {
        verifying.addAndGet(change);
    }

    /**
     * Stores the notification with the next batch and returns its receipt, or throws its refusal. The
     * caller counted it as verifying ({@link #verifying}); this ends that count.
     */
    String receive(Notification notification, String clientAddress) {
        Arrival arrival = new Arrival(notification, clientAddress, new CompletableFuture<>());
        boolean queued = running && waiting.offer(arrival);
        // counted as verifying until it is in the queue, so that a gathering batch does not miss it
        verifying.decrementAndGet();
        if (!queued) {
            throw busy("this inbox has more notifications waiting to be stored than it takes; send again shortly");
        }
        try {
            return arrival.answer().get(settings.answerWithin().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiProblem problem) {
                throw problem;
            }
            throw busy("the notification could not be stored; send again shortly");
        } catch (TimeoutException e) {
            // it may still be stored: the sender's retry gets the stored answer, being idempotent
            throw busy("storing the notification took too long; send it again shortly");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy("the inbox is stopping; send again shortly");
        }
    }

    /** Verified notifications waiting for their batch. */
    int waiting() {
        return waiting.size();
    }

    private static ApiProblem busy(String detail) {
        return new ApiProblem("unavailable", HttpStatus.SERVICE_UNAVAILABLE, "Unavailable", detail,
                Duration.ofSeconds(5));
    }

    private void write() {
        List<Arrival> taken = new ArrayList<>(settings.batch());
        while (running || !waiting.isEmpty()) {
            try {
                Arrival first = waiting.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                taken.add(first);
                waiting.drainTo(taken, settings.batch() - 1);
                gatherVerifying(taken);
                batchSizes.record(taken.size());
                writeOrSplit(taken);
            } catch (InterruptedException e) {
                taken.forEach(a -> a.answer().completeExceptionally(e));
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable e) {
                // the writer carries on whatever happened (an Error included): intake must not stop for good
                log.error("a batch of {} notifications failed", taken.size(), e);
                taken.forEach(a -> a.answer().completeExceptionally(e));
            } finally {
                taken.clear();
            }
        }
    }

    /**
     * While notifications are being verified at this moment, waits a little (at most {@code linger}) for
     * them to join the batch: one commit then serves them too. A notification that comes alone waits for
     * nothing.
     */
    private void gatherVerifying(List<Arrival> taken) throws InterruptedException {
        long deadline = System.nanoTime() + settings.linger().toNanos();
        while (taken.size() < settings.batch() && verifying.get() > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            Arrival next = waiting.poll(left, TimeUnit.NANOSECONDS);
            if (next != null) {
                taken.add(next);
                waiting.drainTo(taken, settings.batch() - taken.size());
            }
        }
    }

    private void writeOrSplit(List<Arrival> taken) {
        try {
            batch.write(taken);
        } catch (RuntimeException | Error e) {
            if (taken.size() == 1) {
                log.error("a notification from {} could not be stored", taken.get(0).notification().senderDomain(), e);
                taken.get(0).answer().completeExceptionally(e);
                return;
            }
            log.warn("a batch of {} notifications failed ({}); storing them one at a time", taken.size(), e.toString());
            for (Arrival arrival : taken) {
                writeOrSplit(List.of(arrival));
            }
        }
    }

    @Override
    public void start() {
        running = true;
        for (int i = 0; i < settings.writers(); i++) {
            Thread writer = new Thread(this::write, "intake-writer-" + i);
            writer.setDaemon(true);
            writers.add(writer);
            writer.start();
        }
    }

    @Override
    public void stop() {
        running = false;
        for (Thread writer : writers) {
            try {
                writer.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        writers.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // starts before the web server and stops after it (graceful shutdown included has answered every
        // request), while the database pool is still open
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }
}
