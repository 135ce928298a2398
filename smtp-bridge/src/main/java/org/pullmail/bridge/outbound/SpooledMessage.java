package org.pullmail.bridge.outbound;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A message on its way out, in a temporary file and never whole in the heap (a message may have 25 MB, and every
 * worker holds one): the bytes the outbox served, and the {@code DKIM-Signature} field written in front of them
 * when they are sent. Deleted when closed.
 */
final class SpooledMessage implements AutoCloseable {

    private final Path file;
    private final long size;
    private String signature = "";

    private SpooledMessage(Path file, long size) {
        this.file = file;
        this.size = size;
    }

    /** Copies at most {@code maxBytes} of {@code in} into a new temporary file; null when there were more. */
    static SpooledMessage copy(InputStream in, long maxBytes) throws IOException {
        Path file = Files.createTempFile("pullmail-outbound-", ".eml");
        try (OutputStream out = Files.newOutputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                total += n;
                if (total > maxBytes) {
                    out.close();
                    Files.deleteIfExists(file);
                    return null;
                }
                out.write(buffer, 0, n);
            }
            return new SpooledMessage(file, total);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** The message as the outbox served it, from its first byte. */
    InputStream open() throws IOException {
        return Files.newInputStream(file);
    }

    /** Puts the {@code DKIM-Signature} field (folded, CRLF-ended) in front of the message when it is written. */
    void sign(String field) {
        this.signature = field;
    }

    /** The bytes sent: the signature field, then the message. */
    long size() {
        return signature.getBytes(StandardCharsets.US_ASCII).length + size;
    }

    void writeTo(OutputStream out) throws IOException {
        out.write(signature.getBytes(StandardCharsets.US_ASCII));
        Files.copy(file, out);
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a temporary file the system cleans up
        }
    }
}
