package org.pullmail.protocol;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The protocol library is the wire format only: other PMP/1 implementations and every service use it, so
 * it depends on no framework and on no service.
 */
class ProtocolArchitectureTest {

    @Test
    void theProtocolLibraryUsesNeitherSpringNorTheServletApiNorAnyService() {
        JavaClasses protocol = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.pullmail.protocol");
        assertThat(protocol.size()).as("classes checked").isGreaterThan(20);
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "jakarta.servlet..",
                        "org.pullmail.service..", "org.pullmail.gateway..", "org.pullmail.outbox..",
                        "org.pullmail.notifier..", "org.pullmail.inbox..")
                .because("PMP/1's library is framework-free, for every implementation")
                .check(protocol);
    }
}
