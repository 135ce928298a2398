package org.pullmail.outbox.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.pullmail.service.MessageBytes;
import org.pullmail.testing.ServiceDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

/** Message bytes in chunks: written as they come, read back whole, discarded or swept when not kept. */
@SpringBootTest
class MessageBytesTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ServiceDatabase.register(registry, "outbox_component_test");
    }

    @Autowired
    MessageBytes bytes;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    TransactionTemplate tx;

    static byte[] random(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }

    int chunks(UUID id) {
        return jdbc.sql("SELECT count(*) FROM message_chunk WHERE message_id = ?").param(id).query(Integer.class).single();
    }

    MessageBytes.Stored write(UUID id, byte[] content) throws Exception {
        MessageBytes.Writer writer = bytes.writer(id, 1 << 30);
        // in uneven pieces, as a network delivers them
        for (int at = 0; at < content.length; ) {
            int n = Math.min(content.length - at, 1 + (at % 70_001));
            writer.write(content, at, n);
            at += n;
        }
        return writer.finish();
    }

    @Test
    void bytesWrittenInPiecesAreKeptInChunksAndReadBackWithTheirDigest() throws Exception {
        for (int size : new int[] {0, 1, MessageBytes.CHUNK_BYTES, MessageBytes.CHUNK_BYTES + 1, 600_000}) {
            UUID id = UUID.randomUUID();
            byte[] content = random(size);
            MessageBytes.Stored stored = write(id, content);
            assertThat(stored.size()).isEqualTo(size);
            assertThat(stored.sha256()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(content));
            tx.executeWithoutResult(s -> bytes.keep(stored));
            assertThat(chunks(id)).as("%d bytes", size).isEqualTo((size + MessageBytes.CHUNK_BYTES - 1) / MessageBytes.CHUNK_BYTES);
            try (InputStream in = bytes.reader(id, size)) {
                assertThat(in.readAllBytes()).isEqualTo(content);
            }
            // kept: discarding it now (a commit whose outcome looked unknown) leaves it alone
            bytes.discard(stored);
            assertThat(chunks(id)).isEqualTo((size + MessageBytes.CHUNK_BYTES - 1) / MessageBytes.CHUNK_BYTES);
        }
    }

    @Test
    void bytesNotKeptAreDiscardedAndAnAbandonedUploadIsSwept() throws Exception {
        UUID refused = UUID.randomUUID();
        MessageBytes.Stored stored = write(refused, random(600_000));
        assertThat(chunks(refused)).as("two full chunks are written at once").isEqualTo(2);
        bytes.discard(stored);
        assertThat(chunks(refused)).isZero();

        UUID abandoned = UUID.randomUUID();
        write(abandoned, random(600_000)); // a crash: neither kept nor discarded
        UUID kept = UUID.randomUUID();
        MessageBytes.Stored keep = write(kept, random(600_000));
        tx.executeWithoutResult(s -> bytes.keep(keep));
        assertThat(bytes.sweep(Instant.now().minusSeconds(3600))).as("not an hour old yet").isZero();
        assertThat(bytes.sweep(Instant.now().plusSeconds(1))).isEqualTo(2);
        assertThat(chunks(abandoned)).isZero();
        assertThat(chunks(kept)).isEqualTo(3);
    }

    @Test
    void moreThanTheLimitIsRefusedAndWhatWasWrittenDiscarded() throws Exception {
        UUID id = UUID.randomUUID();
        MessageBytes.Writer writer = bytes.writer(id, 700_000);
        writer.write(random(600_000));
        assertThatThrownBy(() -> writer.write(random(200_000))).isInstanceOf(MessageBytes.TooLargeException.class);
        assertThat(chunks(id)).isZero();
    }

    @Test
    void readingBytesDeletedMeanwhileFailsRatherThanEndingEarly() throws Exception {
        UUID id = UUID.randomUUID();
        MessageBytes.Stored stored = write(id, random(600_000));
        tx.executeWithoutResult(s -> bytes.keep(stored));
        try (InputStream in = bytes.reader(id, 600_000)) {
            assertThat(in.readNBytes(1000)).hasSize(1000);
            jdbc.sql("DELETE FROM message_chunk WHERE message_id = ?").param(id).update();
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("deleted");
        }
    }

    @Test
    void anUploadThatGoesOnIsNotSweptAndOneSweptCannotBeKept() throws Exception {
        UUID slow = UUID.randomUUID();
        MessageBytes.Writer writer = bytes.writer(slow, 1 << 30);
        writer.write(random(MessageBytes.CHUNK_BYTES + 1)); // the first chunk goes
        Thread.sleep(50);
        Instant between = Instant.now();
        Thread.sleep(50);
        writer.write(random(MessageBytes.CHUNK_BYTES)); // the second goes, and touches the upload
        assertThat(bytes.sweep(between)).as("an upload is judged by its last chunk, not its first").isZero();
        assertThat(chunks(slow)).isEqualTo(2);

        MessageBytes.Stored stored = writer.finish();
        assertThat(bytes.sweep(Instant.now().plusSeconds(1))).isEqualTo(2); // idle "for an hour" now
        assertThatThrownBy(() -> tx.executeWithoutResult(s -> bytes.keep(stored)))
                .isInstanceOf(TransientDataAccessException.class);
        assertThat(chunks(slow)).as("nothing of it kept").isZero();
    }
}
