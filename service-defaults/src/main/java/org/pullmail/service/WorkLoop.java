package org.pullmail.service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a database work queue in one JVM: claim as many items as workers are free, process each on a
 * worker (network calls, outside transactions), and claim again as soon as a worker frees up. No pass
 * waits for the slowest item it claimed, so one slow item holds one worker, not the queue.
 * <p>
 * Items may belong to a <b>peer</b> (the other domain a notification goes to or a fetch comes from).
 * Then at most {@code perPeer} items of one peer are in progress at a time: a peer that answers slowly
 * (or not at all) holds at most that many workers, and its further items stay queued, unleased, for a
 * later pass, while other peers' items go past them (a bulkhead per peer).
 * <p>
 * It runs when {@link #nudge()}d — right after a transaction that enqueued work commits, and when an
 * item finishes while more work was waiting — and on the scheduled poll that catches work from other
 * replicas and retries. Overlapping triggers coalesce: one pass at a time, one more if asked while
 * running.
 */
public final class WorkLoop<T> implements AutoCloseable {

    /**
     * Claims due items in one transaction: it asks {@link Slots#admit} for each candidate and leases
     * (and returns) exactly the admitted ones, leaving the others untouched for a later pass.
     */
    @FunctionalInterface
    public interface Claim<T> {
        List<T> claim(Slots<T> slots);
    }

    private static final Logger log = LoggerFactory.getLogger(WorkLoop.class);

    private final String name;
    private final Claim<T> claim;
    private final Consumer<T> process;
    private final Function<T, String> peerOf;
    private final int perPeer;
    /** Workers a peer's borrowing must leave free; {@code parallelism} when peers never borrow. */
    private final int reserve;
    private final int batch;
    private final int parallelism;
    private final ExecutorService runner;
    private final ExecutorService workers;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    /** Items admitted and not yet finished, in all and per peer; guarded by itself. */
    private final Map<String, Integer> inProgress = new HashMap<>();
    private int busy;
    /** Set when a pass left due work behind (workers or a peer's slots were full): a finishing item nudges. */
    private volatile boolean backlog;
    private volatile boolean closed;

    /**
     * @param parallelism workers, and so the most items in progress at once
     * @param perPeer     the most items of one peer in progress at once
     * @param peerOf      the peer an item belongs to (compared as given)
     */
    public WorkLoop(String name, int parallelism, int perPeer, Function<T, String> peerOf, Claim<T> claim,
            Consumer<T> process) {
        this(name, parallelism, parallelism, perPeer, parallelism, peerOf, claim, process);
    }

    /**
     * A loop whose peers may <b>borrow</b> idle workers beyond their share, as long as half the workers (rounded
     * down) stay free: one busy peer alone is not held to its share (its throughput would be), while a slow peer
     * holds at most the other half, or its share if that is larger. Slow peers together can still take every
     * worker, as without borrowing, but a few of them sooner: with 16 workers and a share of 4, three instead of
     * four (the first borrows 8). PROTOCOL.md leaves this to the implementation; Postfix likewise lets one
     * destination's concurrency grow while deliveries to it go well.
     */
    public static <T> WorkLoop<T> borrowing(String name, int parallelism, int perPeer, Function<T, String> peerOf,
            Claim<T> claim, Consumer<T> process) {
        return new WorkLoop<>(name, parallelism, parallelism, perPeer, Math.max(1, parallelism / 2), peerOf, claim,
                process);
    }

    /** A loop without peers whose claim takes up to {@code batch} items at a time. */
    public WorkLoop(String name, int batch, int parallelism, Supplier<List<T>> claim, Consumer<T> process) {
        this(name, batch, parallelism, Integer.MAX_VALUE, parallelism, item -> "", slots -> {
            List<T> items = claim.get();
            items.forEach(slots::take);
            return items;
        }, process);
    }

    private WorkLoop(String name, int batch, int parallelism, int perPeer, int reserve, Function<T, String> peerOf,
            Claim<T> claim, Consumer<T> process) {
        if (parallelism < 1 || perPeer < 1 || batch < 1) {
            throw new IllegalArgumentException("a work loop needs at least one worker, one per peer and a batch of one");
        }
        this.name = name;
        this.batch = batch;
        this.parallelism = parallelism;
        this.perPeer = perPeer;
        this.reserve = reserve;
        this.peerOf = peerOf;
        this.claim = claim;
        this.process = process;
        this.runner = Executors.newSingleThreadExecutor(r -> daemon(r, name));
        this.workers = Executors.newFixedThreadPool(parallelism, r -> daemon(r, name + "-worker"));
    }

    /** What one claim may take: free workers, and per peer what its bulkhead has left. */
    public static final class Slots<T> {
        private final WorkLoop<T> loop;
        private final int asked;
        private final List<T> admitted = new ArrayList<>();

        private Slots(WorkLoop<T> loop, int asked) {
            this.loop = loop;
            this.asked = asked;
        }

        /** How many more items this claim may take. */
        public int free() {
            return asked - admitted.size();
        }

        /**
         * How many due items a claim should look at to fill its free workers: a few per free worker (a claim runs
         * each time an item finishes while work waits, so it must stay cheap however much is due).
         */
        public int candidates() {
            return Math.min(1000, Math.max(32, free() * 8));
        }

        /** The most items of one peer this claim could admit: its share, or more while it may borrow. */
        public int perPeer() {
            synchronized (loop.inProgress) {
                return loop.canBorrow() ? Math.max(loop.perPeer, loop.parallelism - loop.reserve) : loop.perPeer;
            }
        }

        /** Peers whose slots are all taken: a claim need not even look at their items. */
        public Set<String> fullPeers() {
            synchronized (loop.inProgress) {
                Set<String> full = new HashSet<>();
                loop.inProgress.forEach((peer, n) -> {
                    if (!loop.mayTake(n)) {
                        full.add(peer);
                    }
                });
                return full;
            }
        }

        /** Takes a slot for {@code item} if a worker and a slot of its peer are free; false leaves it queued. */
        public boolean admit(T item) {
            if (free() <= 0) {
                loop.backlog = true;
                return false;
            }
            String peer = loop.peerOf.apply(item);
            synchronized (loop.inProgress) {
                int n = loop.inProgress.getOrDefault(peer, 0);
                if (!loop.mayTake(n)) {
                    loop.backlog = true;
                    return false;
                }
                loop.inProgress.put(peer, n + 1);
                loop.busy++;
            }
            admitted.add(item);
            return true;
        }

        /** Takes a slot whatever is free (a claim that cannot leave items behind). */
        void take(T item) {
            String peer = loop.peerOf.apply(item);
            synchronized (loop.inProgress) {
                loop.inProgress.merge(peer, 1, Integer::sum);
                loop.busy++;
            }
            admitted.add(item);
        }
    }

    /** Whether one more item may go to a peer with {@code n} in progress (called holding {@code inProgress}). */
    private boolean mayTake(int n) {
        return n < perPeer || n < parallelism - reserve && canBorrow();
    }

    /** Whether taking one more worker leaves the reserve free (called holding {@code inProgress}). */
    private boolean canBorrow() {
        return parallelism - busy - 1 >= reserve;
    }

    /** Asks for a pass soon, without waiting for it. */
    public void nudge() {
        if (closed) {
            return;
        }
        again.set(true);
        if (running.compareAndSet(false, true)) {
            runner.execute(this::drain);
        }
    }

    private void drain() {
        try {
            while (again.getAndSet(false)) {
                claimWhileWorkersAreFree();
            }
        } catch (RuntimeException e) {
            log.error("{}: a pass failed; the next poll retries", name, e);
        } finally {
            running.set(false);
            if (again.get() && !closed && running.compareAndSet(false, true)) {
                runner.execute(this::drain);
            }
        }
    }

    private void claimWhileWorkersAreFree() {
        backlog = false;
        while (!closed) {
            int free;
            synchronized (inProgress) {
                free = parallelism - busy;
            }
            if (free <= 0) {
                backlog = true; // the next item to finish asks for another pass
                return;
            }
            Slots<T> slots = new Slots<>(this, Math.min(free, batch));
            List<T> claimed;
            try {
                claimed = claim.claim(slots);
            } catch (RuntimeException e) {
                slots.admitted.forEach(this::release); // the claim's transaction rolled back: nothing is leased
                throw e;
            }
            for (T item : slots.admitted) {
                if (claimed.stream().noneMatch(c -> c == item)) {
                    release(item);
                }
            }
            for (T item : claimed) {
                workers.execute(() -> run(item));
            }
            if (claimed.size() < slots.asked) {
                return; // nothing more is due that this loop may take now
            }
        }
    }

    private void run(T item) {
        try {
            process.accept(item);
        } catch (RuntimeException e) {
            log.error("{}: an item failed unexpectedly", name, e);
        } finally {
            release(item);
            if (backlog) {
                nudge();
            }
        }
    }

    private void release(T item) {
        String peer = peerOf.apply(item);
        synchronized (inProgress) {
            inProgress.computeIfPresent(peer, (p, n) -> n > 1 ? n - 1 : null);
            busy--;
        }
    }

    @Override
    public void close() {
        closed = true;
        runner.shutdownNow();
        workers.shutdownNow();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
