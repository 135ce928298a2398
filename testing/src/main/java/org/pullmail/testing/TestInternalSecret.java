package org.pullmail.testing;

import java.util.List;
import java.util.Map;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * The internal secret ({@code pullmail.internal-secret}) of every service a Spring test starts, and the header
 * that tests calling {@code /internal/**} send ({@link #AUTHORIZATION}).
 *
 * <p>Every service refuses to start without the secret, so every Spring test context needs one. Spring's test
 * framework adds it to each context it builds: this module's {@code META-INF/spring.factories} registers
 * {@link Factory} (the framework's own extension point for what all test contexts share), and the secret goes in
 * below every other property source, so a test that sets its own still wins. Nothing else sees it, so it can never
 * configure a running service: one started any other way needs a secret of its own (a test's own
 * {@code SpringApplication} passes {@code --pullmail.internal-secret=} {@link #VALUE}; e2e and {@code ./pullmail}
 * make one per domain).
 */
public final class TestInternalSecret {

    /** The secret; at least 32 characters, as the services require. */
    public static final String VALUE = "test-only-internal-secret-of-the-services-under-test";
    /** The {@code Authorization} field value of an internal call. */
    public static final String AUTHORIZATION = "Bearer " + VALUE;
    static final String PROPERTY = "pullmail.internal-secret";

    private TestInternalSecret() {
    }

    /** Adds the secret to every test context. */
    public static final class Factory implements ContextCustomizerFactory {

        @Override
        public ContextCustomizer createContextCustomizer(Class<?> testClass,
                List<ContextConfigurationAttributes> configAttributes) {
            return new Customizer();
        }
    }

    /** Equal to every other instance, so that it does not keep Spring from reusing a cached context. */
    record Customizer() implements ContextCustomizer {

        @Override
        public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
            context.getEnvironment().getPropertySources()
                    .addLast(new MapPropertySource("pullmail-test-internal-secret", Map.of(PROPERTY, VALUE)));
        }
    }
}
