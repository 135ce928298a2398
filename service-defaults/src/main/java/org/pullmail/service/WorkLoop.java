package org.pullmail.service;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a database work queue in one JVM: claim a batch, process its items in parallel (network calls,
 * outside transactions), repeat while batches come back full. It runs when {@link #nudge()}d — right
 * after a transaction that enqueued work commits — and on the scheduled poll that catches work from
 * other replicas and retries. Overlapping triggers coalesce: one pass at a time, one more if asked
 * while running.
 */
public final class WorkLoop<T> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkLoop.class);

    private final String name;
    private final Supplier<List<T>> claim;
    private final Consumer<T> process;
    private final int batch;
    private final ExecutorService runner;
    private final ExecutorService workers;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();

    public WorkLoop(String name, int batch, int parallelism, Supplier<List<T>> claim, Consumer<T> process) {
        this.name = name;
        this.batch = batch;
        this.claim = claim;
        this.process = process;
        this.runner = Executors.newSingleThreadExecutor(r -> daemon(r, name));
        this.workers = Executors.newFixedThreadPool(parallelism, r -> daemon(r, name + "-worker"));
    }

    /** Asks for a pass soon, without waiting for it. */
    public void nudge() {
        again.set(true);
        if (running.compareAndSet(false, true)) {
            runner.execute(this::drain);
        }
    }

    private void drain() {
        try {
            while (again.getAndSet(false)) {
                List<T> items;
                do {
                    items = claim.get();
                    List<Future<?>> done = items.stream().map(i -> workers.submit(() -> process.accept(i)))
                            .<Future<?>>map(f -> f).toList();
                    for (Future<?> f : done) {
                        try {
                            f.get();
                        } catch (java.util.concurrent.ExecutionException e) {
                            log.error("{}: an item failed unexpectedly", name, e.getCause());
                        }
                    }
                } while (items.size() >= batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("{}: a pass failed; the next poll retries", name, e);
        } finally {
            running.set(false);
            if (again.get() && running.compareAndSet(false, true)) {
                runner.execute(this::drain);
            }
        }
    }

    @Override
    public void close() {
        runner.shutdownNow();
        workers.shutdownNow();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
