package org.pullmail.service.keys;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.data.jpa.autoconfigure.DataJpaRepositoriesAutoConfiguration;
import org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration;

/**
 * Adds the signing keys' entity and repository to what JPA scans, in the services that sign (notifier, inbox):
 * only their databases are asked to hold the keys. Runs before JPA's auto-configuration, which reads the
 * scanned packages when it registers repositories.
 */
@AutoConfiguration(before = {HibernateJpaAutoConfiguration.class, DataJpaRepositoriesAutoConfiguration.class})
@ConditionalOnProperty(name = "pullmail.signs-requests", havingValue = "true")
@AutoConfigurationPackage(basePackageClasses = DomainKey.class)
public class DomainKeysAutoConfiguration {
}
