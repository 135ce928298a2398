package org.pullmail.service;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * How every service uses JPA, below anything a service or operator sets: Flyway owns the schema and Hibernate
 * only checks that the entities match it at start-up; no session stays open while a view is written; Hibernate
 * starts on a thread of its own while the rest of the service starts, and repositories wait for it only when
 * first used (deferred bootstrap: start-up is the longer of the two, not their sum).
 */
public class JpaDefaults implements EnvironmentPostProcessor {

    static final Map<String, Object> DEFAULTS = Map.of(
            "spring.jpa.hibernate.ddl-auto", "validate",
            "spring.jpa.open-in-view", "false",
            "spring.data.jpa.repositories.bootstrap-mode", "deferred");

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        environment.getPropertySources().addLast(new MapPropertySource("pullmail-jpa-defaults", DEFAULTS));
    }
}
