package org.pullmail.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The one place that decides where tests get PostgreSQL: one real server per test JVM, from
 * Testcontainers when a Docker daemon answers, otherwise from zonky's embedded PostgreSQL (a real
 * PostgreSQL binary shipped in a Maven artifact). Each service under test gets its own database on
 * it, as in production each service owns its own.
 *
 * <p>{@code -Dpullmail.test.postgres=embedded|testcontainers} forces a choice.
 */
public final class TestDatabases {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    private static PostgresServer server;
    private static final Set<String> created = new HashSet<>();

    private TestDatabases() {
    }

    /** The shared server, started on first use and stopped when the JVM exits. */
    public static synchronized PostgresServer server() {
        if (server == null) {
            String choice = System.getProperty("pullmail.test.postgres", "auto");
            boolean docker = switch (choice) {
                case "embedded" -> false;
                case "testcontainers" -> true;
                default -> dockerAnswers();
            };
            server = docker ? startContainer() : startEmbedded();
        }
        return server;
    }

    /** Creates database {@code name} once per JVM (dropping what an earlier run left) and returns its URL. */
    public static synchronized String database(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("database names are lowercase identifiers: " + name);
        }
        PostgresServer pg = server();
        if (created.add(name)) {
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.username(), pg.password());
                    Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                s.execute("CREATE DATABASE " + name);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot create test database " + name, e);
            }
        }
        return pg.jdbcUrl(name);
    }

    private static boolean dockerAnswers() {
        boolean anyDocker = System.getenv("DOCKER_HOST") != null
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
        if (!anyDocker) {
            return false; // skip Testcontainers' probe and its error log on machines without Docker
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static PostgresServer startContainer() {
        PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "pullmail-test-postgres-stop"));
        return new PostgresServer() {
            @Override
            public String jdbcUrl(String name) {
                return "jdbc:postgresql://" + container.getHost() + ":" + container.getMappedPort(5432) + "/" + name;
            }

            @Override
            public String username() {
                return container.getUsername();
            }

            @Override
            public String password() {
                return container.getPassword();
            }

            @Override
            public String kind() {
                return "testcontainers";
            }
        };
    }

    private static PostgresServer startEmbedded() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (IOException ignored) {
                    // the JVM is exiting; the temporary data directory goes with it
                }
            }, "pullmail-test-postgres-stop"));
            return new PostgresServer() {
                @Override
                public String jdbcUrl(String name) {
                    return pg.getJdbcUrl("postgres", name);
                }

                @Override
                public String username() {
                    return "postgres";
                }

                @Override
                public String password() {
                    return "postgres";
                }

                @Override
                public String kind() {
                    return "embedded";
                }
            };
        } catch (IOException e) {
            throw new IllegalStateException("cannot start embedded PostgreSQL", e);
        }
    }
}
