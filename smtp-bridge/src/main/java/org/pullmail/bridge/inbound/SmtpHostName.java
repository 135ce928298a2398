package org.pullmail.bridge.inbound;

import org.pullmail.bridge.config.BridgeProperties;
import org.pullmail.service.PullmailProperties;
import org.springframework.stereotype.Component;

/**
 * The name the bridge gives itself over SMTP (banner, EHLO answer, Received) and as the authserv-id of its
 * Authentication-Results: {@code pullmail.bridge.smtp.host-name}, else the domain's name.
 */
@Component
class SmtpHostName {

    private final String value;

    SmtpHostName(BridgeProperties bridge, PullmailProperties pullmail) {
        String configured = bridge.smtp().hostName();
        this.value = configured == null || configured.isBlank() ? pullmail.domain() : configured.trim();
    }

    String value() {
        return value;
    }
}
