package org.pullmail.bridge;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The SMTP bridge: legacy mail enters the pull world as the legacy sender's domain in PMP/1 (PROTOCOL.md 3.6), so
 * that the recipient decides it like any other mail; Pullmail users' mail to SMTP addresses leaves over SMTP.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SmtpBridgeApplication {

    public static void main(String[] args) {
        SpringApplication.run(SmtpBridgeApplication.class, args);
    }
}
