package org.pullmail.inbox.notification;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.pullmail.protocol.http.NonceStore;
import org.pullmail.protocol.http.NonceStore.Use;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The database's nonce store records concurrent signatures in shared statements (group commit): each
 * use still gets its own answer, a nonce is first exactly once however many use it at once, and after
 * the store is emptied (a database crash) older signatures are unknowable.
 */
@SpringBootTest
class NonceStoreTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        // a database of its own: emptying the store would make other tests' fresh signatures unknowable for a second
        ServiceDatabase.register(registry, "inbox_nonce_test");
    }

    @Autowired
    NonceStore nonces;
    @Autowired
    JdbcClient jdbc;

    @Test
    void concurrentUsesGetTheirOwnAnswersAndANonceIsFirstOnce() throws Exception {
        Instant created = Instant.now().minusSeconds(1);
        Instant forget = created.plusSeconds(600);
        String shared = UUID.randomUUID().toString();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Use>> sharedUses = new ArrayList<>();
        List<Future<Use>> ownUses = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                String own = UUID.randomUUID().toString();
                Callable<Use> ownUse = () -> {
                    go.await();
                    return nonces.use("key-" + own.charAt(0), own, created, forget);
                };
                ownUses.add(pool.submit(ownUse));
                if (i % 10 == 0) {
                    sharedUses.add(pool.submit(() -> {
                        go.await();
                        return nonces.use("key-shared", shared, created, forget);
                    }));
                }
            }
            go.countDown();
            for (Future<Use> use : ownUses) {
                assertThat(use.get()).isEqualTo(Use.FIRST);
            }
            List<Use> shares = new ArrayList<>();
            for (Future<Use> use : sharedUses) {
                shares.add(use.get());
            }
            assertThat(shares).filteredOn(u -> u == Use.FIRST).hasSize(1);
            assertThat(shares).filteredOn(u -> u == Use.REPEATED).hasSize(shares.size() - 1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(nonces.use("key-shared", shared, created, forget)).isEqualTo(Use.REPEATED);

        // a database crash empties the unlogged store and its epoch: what was signed before is unknowable
        jdbc.sql("TRUNCATE signature_nonce, signature_nonce_epoch").update();
        assertThat(nonces.use("key-shared", shared, created, forget)).isEqualTo(Use.UNKNOWABLE);
        assertThat(nonces.use("key-other", UUID.randomUUID().toString(), created, forget)).isEqualTo(Use.UNKNOWABLE);
        Instant later = Instant.now().plusSeconds(2);
        assertThat(nonces.use("key-other", UUID.randomUUID().toString(), later, later.plusSeconds(600)))
                .isEqualTo(Use.FIRST);
    }
}
