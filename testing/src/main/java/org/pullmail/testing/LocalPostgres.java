package org.pullmail.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL server for a locally run domain ({@code ./pullmail up}): the embedded binary, on a
 * fixed port, with a data directory that survives restarts, and one database per service.
 *
 * <pre>java -jar testing-exec.jar --data DIR --port PORT --databases gateway,outbox,notifier,inbox</pre>
 */
public final class LocalPostgres {

    private static final Duration STARTUP_WAIT = Duration.ofMinutes(5);

    private LocalPostgres() {
    }

    public static void main(String[] args) throws IOException, SQLException, InterruptedException {
        Path data = null;
        int port = 5432;
        List<String> databases = List.of();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[i + 1]).toAbsolutePath();
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--databases" -> databases = List.of(args[i + 1].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (data == null) {
            throw new IllegalArgumentException("--data DIR is required");
        }
        Files.createDirectories(data);
        // durable, unlike the embedded server's test defaults (-F, synchronous_commit=off): an accepted
        // message must survive a crash of the machine, not only of a service
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                // the first change to a page after a checkpoint writes the whole page to the WAL; compressed,
                // those images take less of the disk writes
                .setServerConfig("wal_compression", "pglz")
                // after a crash the server replays the WAL since its last checkpoint before it answers, which can
                // take longer than the embedded server's 10 s on a busy machine
                .setPGStartupWait(STARTUP_WAIT)
                // the server's own messages (why it does not start, its recovery) go to this process's log
                .setOutputRedirector(ProcessBuilder.Redirect.INHERIT)
                .setErrorRedirector(ProcessBuilder.Redirect.INHERIT)
                .start();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            for (String db : databases) {
                var rs = s.executeQuery("SELECT count(*) FROM pg_database WHERE datname = '" + db.replace("'", "") + "'");
                rs.next();
                if (rs.getInt(1) == 0) {
                    s.execute("CREATE DATABASE \"" + db.replace("\"", "") + "\"");
                }
            }
        }
        System.out.println("PostgreSQL ready on 127.0.0.1:" + port + " with data in " + data);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                pg.close();
            } catch (IOException e) {
                System.err.println("stopping PostgreSQL failed: " + e);
            }
            stopped.countDown();
        }, "local-postgres-stop"));
        stopped.await();
    }
}
