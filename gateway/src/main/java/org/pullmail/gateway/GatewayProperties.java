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
 * @param bridgeUrl        the smtp-bridge: it serves the fetches of mail bridged from SMTP and the admin API of
 *                         SMTP (DKIM keys, the outbound queue)
 * @param tokenLifetime    how long an access token is valid
 * @param maxApiBodyBytes  largest request body the user API takes (a 25 MB message, base64 in JSON)
 * @param apiDocs          whether the OpenAPI documents and Swagger UI are served (they map the whole attack
 *                         surface, so only where the operator turns them on)
 * @param edge             what one client may hold at the edge
 * @param streams          the event streams
 * @param login            throttling of failed logins
 * @param accounts         accounts created at start-up when missing (the demo's, or the first admin)
 */
@ConfigurationProperties("pullmail.gateway")
public record GatewayProperties(@DefaultValue("http://127.0.0.1:8081") URI outboxUrl,
        @DefaultValue("http://127.0.0.1:8082") URI notifierUrl,
        @DefaultValue("http://127.0.0.1:8083") URI inboxUrl,
        @DefaultValue("http://127.0.0.1:8084") URI bridgeUrl,
        @DefaultValue("PT15M") Duration tokenLifetime,
        @DefaultValue("36700160") long maxApiBodyBytes,
        @DefaultValue("false") boolean apiDocs,
        @DefaultValue Edge edge,
        @DefaultValue Streams streams,
        @DefaultValue Login login,
        List<InitialAccount> accounts) {

    public GatewayProperties {
        accounts = accounts == null ? List.of() : List.copyOf(accounts);
    }

    public record InitialAccount(String address, String password, @DefaultValue("false") boolean admin) {
    }

    /**
     * @param maxConnectionsPerAddress open connections one client address may hold; further ones are closed as
     *                                 they are accepted (0: no cap; behind an ingress every connection comes from
     *                                 the ingress, so the cap belongs there)
     * @param bodyDeadline             a request body of up to {@code bufferedBodyBytes} must have arrived whole
     *                                 within this time after its headers, or the request is answered 408
     * @param bufferedBodyBytes        bodies up to this size are read without a thread before the request is
     *                                 handled (every PMP/1 body, every JSON call)
     * @param minRequestDataRate       bytes per second a larger body (a message upload) must have averaged, from
     *                                 the end of {@code bodyDeadline} on, whenever the gateway waits for more
     */
    public record Edge(@DefaultValue("64") int maxConnectionsPerAddress,
            @DefaultValue("PT15S") Duration bodyDeadline,
            @DefaultValue("65536") int bufferedBodyBytes,
            @DefaultValue("4096") long minRequestDataRate) {
    }

    /**
     * @param perAccount      event streams one account may hold open at a time (on each gateway replica)
     * @param retryAfter      what a refused stream is told to wait
     * @param maxBacklogBytes events a client has not read yet beyond which its stream is closed (it resumes with
     *                        Last-Event-ID), so that a client that does not read holds no memory and never holds
     *                        the inbox's writes
     * @param idleTimeout     a stream that carries nothing for this long, not even the inbox's heartbeat comments
     *                        (every 15 s by default), is closed: its inbox or its connection is gone
     */
    public record Streams(@DefaultValue("5") int perAccount, @DefaultValue("PT10S") Duration retryAfter,
            @DefaultValue("262144") int maxBacklogBytes, @DefaultValue("PT45S") Duration idleTimeout) {
    }

    /**
     * Failed logins refill at {@code failures} per {@code window}: a client address or an account that has used
     * them up is answered 429 with Retry-After before its password is even checked (a bcrypt check costs tens of
     * milliseconds of CPU).
     *
     * @param accountFailures failed logins one account may take per window from one client address (ten times as
     *                        many from all addresses together)
     * @param addressFailures failed logins one client address may make per window, for any accounts
     * @param window          the refill period
     * @param maxTracked      accounts and addresses remembered at most (the oldest entries are dropped first)
     */
    public record Login(@DefaultValue("10") int accountFailures, @DefaultValue("30") int addressFailures,
            @DefaultValue("PT15M") Duration window, @DefaultValue("100000") int maxTracked) {
    }
}
