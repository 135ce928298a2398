package org.pullmail.e2e;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;

/**
 * The rules that keep the services apart, over each service's compiled classes (built before this
 * module): they share nothing but PMP/1 and their APIs, so no service's code uses another's.
 */
class ArchitectureTest {

    static final Map<String, String> SERVICES = Map.of("gateway", "org.pullmail.gateway",
            "outbox-service", "org.pullmail.outbox", "notifier-service", "org.pullmail.notifier",
            "inbox-service", "org.pullmail.inbox", "smtp-bridge", "org.pullmail.bridge");

    static JavaClasses compiled(String module) {
        Path classes = Path.of(System.getProperty("pullmail.root", ".."), module, "target", "classes");
        assertThat(classes).as("the compiled classes of " + module).isDirectory();
        return new ClassFileImporter().importPath(classes);
    }

    @Test
    void noServiceUsesAnother() {
        SERVICES.forEach((module, root) -> {
            JavaClasses classes = compiled(module);
            assertThat(classes.size()).as("classes of " + module).isGreaterThan(5);
            List<String> others = SERVICES.values().stream().filter(r -> !r.equals(root)).map(r -> r + "..").toList();
            noClasses().should().dependOnClassesThat().resideInAnyPackage(others.toArray(String[]::new))
                    .because("the services share nothing but PMP/1 and their APIs")
                    .check(classes);
        });
    }

    @Test
    void theProtocolLibraryAndTheSharedDefaultsUseNoService() {
        for (String module : List.of("protocol", "service-defaults")) {
            noClasses().should().dependOnClassesThat().resideInAnyPackage(
                            SERVICES.values().stream().map(r -> r + "..").toArray(String[]::new))
                    .because("what every service shares cannot know any one of them")
                    .check(compiled(module));
        }
    }

    // by name: this module runs the services as processes and has no Spring on its classpath
    static final String REST_CONTROLLER = "org.springframework.web.bind.annotation.RestController";
    static final String CONTROLLER = "org.springframework.stereotype.Controller";
    static final String JDBC_CLIENT = "org.springframework.jdbc.core.simple.JdbcClient";
    static final String TRANSACTIONAL = "org.springframework.transaction.annotation.Transactional";

    /**
     * Controllers map HTTP to a feature's services: SQL and transactions live in those services and repositories,
     * where they can be tested and reused without HTTP.
     */
    @Test
    void controllersHoldNoSqlAndNoTransactions() {
        SERVICES.forEach((module, root) -> {
            JavaClasses classes = compiled(module);
            noClasses().that().areAnnotatedWith(REST_CONTROLLER).or().areAnnotatedWith(CONTROLLER)
                    .should().dependOnClassesThat().haveFullyQualifiedName(JDBC_CLIENT)
                    .because("SQL belongs in a feature's service or repository, not in its controller")
                    .check(classes);
            noMethods().that().areDeclaredInClassesThat().areAnnotatedWith(REST_CONTROLLER)
                    .should().beAnnotatedWith(TRANSACTIONAL)
                    .because("a transaction is a service's decision; controllers stay thin")
                    .check(classes);
        });
    }
}
