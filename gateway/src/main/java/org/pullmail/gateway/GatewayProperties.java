package org.pullmail.gateway;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param outboxUrl        the outbox-service behind this gateway
 * @param notifierUrl      the notifier-service (serves the discovery document)
 * @param inboxUrl         the inbox-service
 * @param tokenLifetime    how long an access token is valid
 * @param maxApiBodyBytes  largest request body the user API takes (a 25 MB message, base64 in JSON)
 * @param accounts         accounts created at start-up when missing (the demo's, or the first admin)
 */
@ConfigurationProperties("pullmail.gateway")
public record GatewayProperties(@DefaultValue("http://127.0.0.1:8081") URI outboxUrl,
        @DefaultValue("http://127.0.0.1:8082") URI notifierUrl,
        @DefaultValue("http://127.0.0.1:8083") URI inboxUrl,
        @DefaultValue("PT15M") Duration tokenLifetime,
        @DefaultValue("36700160") long maxApiBodyBytes,
        List<InitialAccount> accounts) {

    public GatewayProperties {
        accounts = accounts == null ? List.of() : List.copyOf(accounts);
    }

    public record InitialAccount(String address, String password, @DefaultValue("false") boolean admin) {
    }
}
