package org.pullmail.outbox;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The sender's mail store: messages, deliveries and capability tokens; serves PMP fetches. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class OutboxApplication {

    public static void main(String[] args) {
        SpringApplication.run(OutboxApplication.class, args);
    }
}
