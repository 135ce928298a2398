package org.pullmail.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's swaks, the SMTP client of the tests: what it printed of the dialogue, both directions. */
final class Swaks {

    static final Path BINARY = Path.of("/usr/bin/swaks");

    private Swaks() {
    }

    /** CI installs swaks: a machine without it fails the tests that need it, rather than skipping them unseen. */
    static void requireInstalled() {
        assertThat(Files.isExecutable(BINARY)).as("swaks is missing: apt-get install swaks").isTrue();
    }

    static String run(int port, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--server", "127.0.0.1", "--port",
                String.valueOf(port), "--ehlo", "mx.legacy.test", "--timeout", "30"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return new String(output, StandardCharsets.UTF_8);
    }

    /**
     * Sends {@code message} (CRLF line ends, none starting with a dot) as the whole DATA from {@code mailFrom} to
     * {@code to}, byte for byte: swaks adds nothing, the file carries the end-of-data line itself.
     */
    static String send(int port, String mailFrom, String to, byte[] message) throws IOException, InterruptedException {
        Path file = Files.createTempFile("swaks-", ".eml");
        try {
            Files.write(file, message);
            Files.write(file, ".\r\n".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
            return run(port, "--from", mailFrom, "--to", to, "--data", "@" + file, "--no-data-fixup");
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
