package org.pullmail.inbox;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The recipient side: mailboxes, notification intake, policy and fetch jobs. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class InboxApplication {

    public static void main(String[] args) {
        SpringApplication.run(InboxApplication.class, args);
    }
}
