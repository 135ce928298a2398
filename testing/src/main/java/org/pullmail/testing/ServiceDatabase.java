package org.pullmail.testing;

import org.springframework.test.context.DynamicPropertyRegistry;

/** Points a Spring Boot test's datasource at its own database on the shared test server. */
public final class ServiceDatabase {

    private ServiceDatabase() {
    }

    /** Use from a {@code @DynamicPropertySource} method: {@code ServiceDatabase.register(registry, "inbox")}. */
    public static void register(DynamicPropertyRegistry registry, String database) {
        String url = TestDatabases.database(database);
        PostgresServer server = TestDatabases.server();
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", server::username);
        registry.add("spring.datasource.password", server::password);
    }
}
