package org.pullmail.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** A slow item holds its own worker only, and a slow peer only its own share of the workers. */
class WorkLoopTest {

    record Item(String peer, int n) {
    }

    @Test
    void aSlowItemDoesNotHoldTheItemsClaimedAfterIt() throws Exception {
        Queue<Item> queue = new ConcurrentLinkedQueue<>();
        queue.add(new Item("slow", 0));
        for (int i = 1; i <= 12; i++) {
            queue.add(new Item("fast", i));
        }
        CountDownLatch slowMayEnd = new CountDownLatch(1);
        Set<Integer> done = ConcurrentHashMap.newKeySet();
        try (WorkLoop<Item> loop = new WorkLoop<>("test", 4, 4, () -> take(queue, 4), item -> {
            if (item.peer().equals("slow")) {
                hold(slowMayEnd);
            }
            done.add(item.n());
        })) {
            loop.nudge();
            await().atMost(Duration.ofSeconds(5)).until(() -> done.size() == 12);
            assertThat(done).doesNotContain(0);
            slowMayEnd.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> done.contains(0));
        }
    }

    @Test
    void aSlowPeerHoldsAtMostItsShareOfTheWorkersAndItsOtherItemsWait() throws Exception {
        Queue<Item> queue = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < 30; i++) {
            queue.add(new Item(i % 3 == 0 ? "slow.test" : i % 3 == 1 ? "beta.test" : "gamma.test", i));
        }
        CountDownLatch slowMayEnd = new CountDownLatch(1);
        AtomicInteger slowNow = new AtomicInteger();
        AtomicInteger slowMost = new AtomicInteger();
        Set<Integer> done = ConcurrentHashMap.newKeySet();
        List<Set<String>> fullPeersSeen = new CopyOnWriteArrayList<>();
        WorkLoop.Claim<Item> claim = slots -> {
            fullPeersSeen.add(slots.fullPeers());
            List<Item> claimed = new ArrayList<>();
            for (Item item : List.copyOf(queue)) {
                if (slots.free() > 0 && slots.admit(item)) {
                    queue.remove(item);
                    claimed.add(item);
                }
            }
            return claimed;
        };
        try (WorkLoop<Item> loop = new WorkLoop<>("test", 6, 2, Item::peer, claim, item -> {
            if (item.peer().equals("slow.test")) {
                slowMost.accumulateAndGet(slowNow.incrementAndGet(), Math::max);
                hold(slowMayEnd);
                slowNow.decrementAndGet();
            }
            done.add(item.n());
        })) {
            loop.nudge();
            await().atMost(Duration.ofSeconds(5)).until(() -> done.size() == 20);
            assertThat(done).allMatch(n -> n % 3 != 0);
            assertThat(slowMost).hasValue(2);
            assertThat(queue).hasSize(8).allMatch(item -> item.peer().equals("slow.test"));
            assertThat(fullPeersSeen).anyMatch(full -> full.contains("slow.test"));
            slowMayEnd.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> done.size() == 30);
            assertThat(slowMost).hasValue(2);
        }
    }

    @Test
    void aClaimThatFailsGivesItsSlotsBack() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Set<Integer> done = ConcurrentHashMap.newKeySet();
        WorkLoop.Claim<Item> claim = slots -> {
            Item item = new Item("beta.test", calls.incrementAndGet());
            if (!slots.admit(item)) {
                return List.of();
            }
            if (item.n() <= 3) {
                throw new IllegalStateException("the database went away");
            }
            return item.n() <= 6 ? List.of(item) : List.of();
        };
        try (WorkLoop<Item> loop = new WorkLoop<>("test", 1, 1, Item::peer, claim, item -> done.add(item.n()))) {
            for (int i = 0; i < 10 && done.size() < 3; i++) {
                loop.nudge();
                Thread.sleep(100);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> done.size() == 3);
            assertThat(done).containsExactlyInAnyOrder(4, 5, 6);
        }
    }

    static List<Item> take(Queue<Item> queue, int n) {
        List<Item> items = new ArrayList<>();
        Item item;
        while (items.size() < n && (item = queue.poll()) != null) {
            items.add(item);
        }
        return items;
    }

    static void hold(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aBusyPeerBorrowsIdleWorkersButLeavesHalfOfThemFree() throws Exception {
        Queue<Item> queue = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < 12; i++) {
            queue.add(new Item("alpha.test", i));
        }
        CountDownLatch mayEnd = new CountDownLatch(1);
        AtomicInteger now = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Set<Integer> done = ConcurrentHashMap.newKeySet();
        WorkLoop.Claim<Item> claim = slots -> {
            List<Item> claimed = new ArrayList<>();
            for (Item item : List.copyOf(queue)) {
                if (slots.free() > 0 && slots.admit(item)) {
                    queue.remove(item);
                    claimed.add(item);
                }
            }
            return claimed;
        };
        try (WorkLoop<Item> loop = WorkLoop.borrowing("test", 8, 2, Item::peer, claim, item -> {
            most.accumulateAndGet(now.incrementAndGet(), Math::max);
            if (item.peer().equals("alpha.test")) {
                hold(mayEnd);
            }
            now.decrementAndGet();
            done.add(item.n());
        })) {
            loop.nudge();
            await().atMost(Duration.ofSeconds(5)).until(() -> now.get() == 4);
            // its share of 2, and 2 more while 4 of 8 workers stay free: no more, however long it waits
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> now.get() == 4);
            assertThat(most).hasValue(4);
            // another peer's items still find the free half
            queue.add(new Item("beta.test", 100));
            queue.add(new Item("beta.test", 101));
            loop.nudge();
            await().atMost(Duration.ofSeconds(5)).until(() -> done.containsAll(List.of(100, 101)));
            mayEnd.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> done.size() == 14);
        }
    }
}
