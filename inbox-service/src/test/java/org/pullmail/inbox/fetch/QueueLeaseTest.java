package org.pullmail.inbox.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pullmail.service.QueueLease;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

/** The queue claim every service uses: claimers at once share the work, each row claimed once and leased. */
@SpringBootTest
class QueueLeaseTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "inbox_component_test");
    }

    static final QueueLease QUEUE = new QueueLease("test_queue", "bigint", "next_attempt_at", "attempts");

    @Autowired
    JdbcClient jdbc;
    @Autowired
    TransactionTemplate tx;

    @BeforeEach
    void queue() {
        jdbc.sql("DROP TABLE IF EXISTS test_queue").update();
        jdbc.sql("CREATE TABLE test_queue (id bigint PRIMARY KEY, next_attempt_at timestamptz NOT NULL,"
                + " attempts int NOT NULL DEFAULT 0)").update();
        jdbc.sql("INSERT INTO test_queue (id, next_attempt_at) SELECT g, now() - interval '1 minute'"
                + " FROM generate_series(1, 300) g").update();
        jdbc.sql("INSERT INTO test_queue (id, next_attempt_at) SELECT g, now() + interval '1 hour'"
                + " FROM generate_series(301, 310) g").update();
    }

    @Test
    void claimersAtOnceShareTheDueRowsEachClaimedOnceAndLeased() throws Exception {
        Instant lease = Instant.now().plusSeconds(600).truncatedTo(ChronoUnit.MICROS);
        List<Long> claimed = Collections.synchronizedList(new ArrayList<>());
        List<Integer> attemptsBefore = Collections.synchronizedList(new ArrayList<>());
        ExecutorService claimers = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int c = 0; c < 6; c++) {
                runs.add(claimers.submit(() -> {
                    while (true) {
                        List<Long> batch = tx.execute(s -> QUEUE.claim(jdbc, "next_attempt_at <= ?", "next_attempt_at", 7,
                                lease, "id, attempts - 1 AS attempts", (rs, n) -> {
                                    attemptsBefore.add(rs.getInt("attempts"));
                                    return rs.getLong("id");
                                }, Timestamp.from(Instant.now())));
                        if (batch.isEmpty()) {
                            return null;
                        }
                        claimed.addAll(batch);
                    }
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
        } finally {
            claimers.shutdownNow();
        }
        assertThat(claimed).hasSize(300).doesNotHaveDuplicates().allMatch(id -> id <= 300);
        assertThat(attemptsBefore).containsOnly(0);
        assertThat(jdbc.sql("SELECT count(*) FROM test_queue WHERE attempts = 1 AND next_attempt_at = ?")
                .param(Timestamp.from(lease)).query(Integer.class).single()).isEqualTo(300);
        assertThat(jdbc.sql("SELECT count(*) FROM test_queue WHERE attempts = 0").query(Integer.class).single())
                .as("rows not yet due are left alone").isEqualTo(10);
    }

    @Test
    void rowsChosenAmongCandidatesAreLeasedEachUntilItsOwnTime() {
        Instant first = Instant.now().plusSeconds(60).truncatedTo(ChronoUnit.MICROS);
        Instant second = first.plusSeconds(60);
        Map<Long, Instant> leases = new LinkedHashMap<>(Map.of(1L, first, 2L, second));
        tx.executeWithoutResult(s -> QUEUE.lease(jdbc, leases));
        assertThat(jdbc.sql("SELECT next_attempt_at FROM test_queue WHERE id = 1").query(Timestamp.class).single()
                .toInstant()).isEqualTo(first);
        assertThat(jdbc.sql("SELECT next_attempt_at FROM test_queue WHERE id = 2").query(Timestamp.class).single()
                .toInstant()).isEqualTo(second);
        assertThat(jdbc.sql("SELECT count(*) FROM test_queue WHERE attempts = 1").query(Integer.class).single())
                .isEqualTo(2);
    }
}
