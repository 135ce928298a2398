package org.pullmail.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;

import org.pullmail.protocol.http.ContentDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * The bytes of messages in PostgreSQL, streamed: a message is stored as rows of {@link #CHUNK_BYTES} in
 * {@code message_chunk}, written as they arrive and read back one row at a time, so a 25 MB message never
 * sits whole in a heap (a {@code bytea} column is read and written only whole).
 *
 * <p>Writing holds no database connection between two chunks, so a slow upload or a slow peer holds no
 * connection either. Chunks written before the message is accepted belong to an upload
 * ({@code message_upload}, touched with each chunk); accepting the message ({@link #keep}) ends the upload in the
 * same transaction as the message's row. An upload abandoned by a crash is swept away once it has been idle for
 * an hour ({@link #sweep}). A message
 * that fits one chunk is written only by {@link #keep}: one statement, in the accepting transaction.
 *
 * <p>Each service's database has both tables; a trigger there deletes a message's chunks with it.
 */
public class MessageBytes {

    /** Large enough that a 25 MB message is 100 rows, small enough that a few hundred readers fit any heap. */
    public static final int CHUNK_BYTES = 256 * 1024;

    private final JdbcClient jdbc;
    private final Clock clock;

    public MessageBytes(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** A new message's bytes, of at most {@code maxBytes}, stored under {@code id} as they are written. */
    public Writer writer(UUID id, long maxBytes) {
        return new Writer(id, maxBytes);
    }

    /**
     * Reads the stored bytes of message {@code id}, one chunk at a time with no connection held in between.
     * {@code size} is the size recorded with the message: should the chunks be deleted while they are read
     * (the message expired or was deleted), the stream fails instead of ending early.
     */
    public InputStream reader(UUID id, long size) {
        return new Reader(id, size);
    }

    /** Deletes what uploads idle since before {@code before} left behind: they were abandoned (a crash, a bug). */
    public int sweep(Instant before) {
        return jdbc.sql("WITH abandoned AS (DELETE FROM message_upload WHERE touched_at < ? RETURNING id) "
                + "DELETE FROM message_chunk WHERE message_id IN (SELECT id FROM abandoned)")
                .param(Timestamp.from(before)).update();
    }

    /**
     * Every ten minutes, the chunks of uploads idle for an hour: a chunk takes at most about a minute at the
     * slowest rate a client (4 KiB/s at the gateway) or a peer may keep up, so these were abandoned.
     */
    public static final class Sweep {
        private static final Logger log = LoggerFactory.getLogger(Sweep.class);

        private final MessageBytes bytes;
        private final Clock clock;

        Sweep(MessageBytes bytes, Clock clock) {
            this.bytes = bytes;
            this.clock = clock;
        }

        @Scheduled(fixedDelayString = "PT10M", initialDelayString = "PT1M")
        public void sweep() {
            int chunks = bytes.sweep(clock.instant().minus(Duration.ofHours(1)));
            if (chunks > 0) {
                log.info("deleted {} chunks of message uploads abandoned over an hour ago", chunks);
            }
        }
    }

    /** The bytes were more than the writer allows; what was written is discarded. */
    public static final class TooLargeException extends IOException {
        private final long limit;

        TooLargeException(long limit) {
            super("the message is larger than " + limit + " bytes");
            this.limit = limit;
        }

        public long limit() {
            return limit;
        }
    }

    /**
     * What a writer stored: its size and SHA-256. Until {@link MessageBytes#keep} runs in the transaction that
     * accepts the message, it is an upload that {@link Writer#discard} or the sweep removes.
     */
    public record Stored(UUID id, long size, byte[] sha256, byte[] pendingChunk, int pendingSeq, boolean uploadStarted) {

        /** The Content-Digest field value of the bytes (RFC 9530). */
        public String contentDigest() {
            return ContentDigest.fieldValue("sha-256", sha256);
        }
    }

    /**
     * Keeps the stored bytes: writes the last chunk still in memory and ends the upload. Call it inside the
     * transaction that writes the message's row, so the bytes and the message are kept together or not at all.
     */
    public void keep(Stored stored) {
        if (stored.pendingChunk() != null) {
            jdbc.sql("INSERT INTO message_chunk (message_id, seq, data) VALUES (?, ?, ?)")
                    .params(stored.id(), stored.pendingSeq(), stored.pendingChunk()).update();
        }
        if (stored.uploadStarted() && jdbc.sql("DELETE FROM message_upload WHERE id = ?").param(stored.id()).update() != 1) {
            // swept (idle for an hour) or discarded meanwhile: some chunks may be gone, so the message is not kept
            throw new TransientDataAccessResourceException(
                    "the bytes of message " + stored.id() + " were swept before they were kept");
        }
    }

    /** Deletes the chunks of bytes that were not kept (the message was refused after its bytes came). */
    public void discard(Stored stored) {
        discard(stored.id(), stored.uploadStarted());
    }

    private void discard(UUID id, boolean uploadStarted) {
        // only while the upload is still open: when a commit failed with its outcome unknown, the message may
        // have been kept after all (its upload ended in the same transaction), and its chunks are then its own
        if (uploadStarted) {
            // one statement: the upload and its chunks go together or not at all
            jdbc.sql("WITH open_upload AS (DELETE FROM message_upload WHERE id = ? RETURNING id) "
                    + "DELETE FROM message_chunk WHERE message_id IN (SELECT id FROM open_upload)").param(id).update();
        }
    }

    /**
     * Writes a message's bytes chunk by chunk, computing their SHA-256 on the way. Each full chunk is one
     * autocommitted INSERT; the last one waits in memory for {@link MessageBytes#keep}.
     */
    public final class Writer extends OutputStream {

        private final UUID id;
        private final long maxBytes;
        private final MessageDigest sha256 = ContentDigest.newSha256();
        private byte[] buffer;
        private int filled;
        private int seq;
        private long size;
        private boolean uploadStarted;
        private boolean closed;

        private Writer(UUID id, long maxBytes) {
            this.id = id;
            this.maxBytes = maxBytes;
        }

        public UUID id() {
            return id;
        }

        /** Bytes written so far. */
        public long size() {
            return size;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (closed) {
                throw new IOException("this message's bytes are finished");
            }
            if (size + length > maxBytes) {
                discard();
                throw new TooLargeException(maxBytes);
            }
            sha256.update(bytes, offset, length);
            size += length;
            while (length > 0) {
                if (buffer == null) {
                    buffer = new byte[CHUNK_BYTES];
                } else if (filled == CHUNK_BYTES) {
                    // a full chunk that more bytes follow is not the last one: it can go now
                    flushChunk();
                }
                int n = Math.min(length, CHUNK_BYTES - filled);
                System.arraycopy(bytes, offset, buffer, filled, n);
                filled += n;
                offset += n;
                length -= n;
            }
        }

        /** Copies {@code in} to the end into this writer; returns the bytes copied. */
        public long copy(InputStream in) throws IOException {
            byte[] transfer = new byte[64 * 1024];
            long copied = 0;
            int n;
            while ((n = in.read(transfer)) >= 0) {
                write(transfer, 0, n);
                copied += n;
            }
            return copied;
        }

        private void flushChunk() {
            // one statement: the upload is (still) open, touched now, and has this chunk
            jdbc.sql("WITH touched AS (INSERT INTO message_upload (id, touched_at) VALUES (?, ?) "
                    + "ON CONFLICT (id) DO UPDATE SET touched_at = excluded.touched_at) "
                    + "INSERT INTO message_chunk (message_id, seq, data) VALUES (?, ?, ?)")
                    .params(id, Timestamp.from(clock.instant()), id, seq, buffer).update();
            uploadStarted = true;
            seq++;
            filled = 0;
        }

        /** The bytes are complete: their size and digest, and the last chunk for {@link MessageBytes#keep}. */
        public Stored finish() {
            closed = true;
            byte[] last = filled == 0 ? null : Arrays.copyOf(buffer, filled);
            buffer = null;
            return new Stored(id, size, sha256.digest(), last, seq, uploadStarted);
        }

        /** Abandons these bytes: the chunks already written are deleted. */
        public void discard() {
            closed = true;
            buffer = null;
            MessageBytes.this.discard(id, uploadStarted);
            uploadStarted = false;
        }

        @Override
        public void close() {
            // finish() or discard() decide what happens to the bytes; closing alone changes nothing
        }
    }

    /** One chunk in memory at a time; each read of a new chunk is one short query. */
    private final class Reader extends InputStream {

        private final UUID id;
        private final long size;
        private byte[] chunk = new byte[0];
        private int position;
        private int seq;
        private long read;

        private Reader(UUID id, long size) {
            this.id = id;
            this.size = size;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            if (position == chunk.length && !next()) {
                return -1;
            }
            int n = Math.min(length, chunk.length - position);
            System.arraycopy(chunk, position, into, offset, n);
            position += n;
            read += n;
            return n;
        }

        private boolean next() throws IOException {
            if (read >= size) {
                return false;
            }
            byte[] data = jdbc.sql("SELECT data FROM message_chunk WHERE message_id = ? AND seq = ?")
                    .params(id, seq).query((rs, n) -> rs.getBytes(1)).optional().orElse(null);
            if (data == null || data.length == 0) {
                throw new IOException("the bytes of message " + id + " were deleted after " + read + " of " + size);
            }
            seq++;
            chunk = data;
            position = 0;
            return true;
        }
    }
}
