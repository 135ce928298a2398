package org.pullmail.bridge.config;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The SMTP bridge's inbound settings ({@code pullmail.bridge.*}): where it listens for SMTP, its limits per client,
 * which DNS answers its SPF, DKIM and DMARC questions, where the domain's inbox is, and how long it keeps legacy mail
 * nobody fetched.
 *
 * @param smtp            the SMTP listener
 * @param dns             the DNS servers asked for SPF, DKIM and DMARC records
 * @param inboxUrl        this domain's inbox-service: asked at RCPT TO whether an address has a mailbox, and notified
 * @param keepFor         how long legacy mail waits to be fetched before its bytes are deleted (like requests: 14 days)
 * @param storedTokenGrace how long a recipient's token still fetches after its domain reported the message stored
 * @param lookupTimeout   the longest wait for the inbox's answer at RCPT TO ({@code 451 4.3.0} after it)
 * @param notifyTimeout   the longest wait for the inbox's receipt at the end of DATA ({@code 451 4.3.0} after it)
 * @param authentication  what checking SPF, DKIM and DMARC may cost
 */
@ConfigurationProperties("pullmail.bridge")
public record BridgeProperties(@DefaultValue Smtp smtp, @DefaultValue Dns dns,
        @DefaultValue("http://127.0.0.1:8083") URI inboxUrl,
        @DefaultValue("P14D") Duration keepFor,
        @DefaultValue("PT1H") Duration storedTokenGrace,
        @DefaultValue("PT3S") Duration lookupTimeout,
        @DefaultValue("PT20S") Duration notifyTimeout,
        @DefaultValue Authentication authentication) {

    /**
     * @param port                 the SMTP port; 0 takes any free port (tests read the bound one)
     * @param bindAddress          the address listened on; loopback unless the operator opens it
     * @param hostName             the name in the banner, EHLO answer and Received field; none: the domain's name
     * @param tls                  a certificate and key (PEM files): STARTTLS is offered only with both
     * @param maxMessageBytes      the largest message taken (SIZE, and counted on the stream: 552 beyond)
     * @param maxRecipients        recipients per message (452 beyond)
     * @param maxConnections       connections at once from everyone
     * @param connectionsPerClient connections at once from one client address (421 beyond); a peer MTA opens several
     * @param messagesPerMinute    messages one client address may start per minute (451 4.7.1 beyond)
     * @param idleTimeout          the longest silence of a client before the connection is closed
     * @param maxRefusedRecipients recipients refused in one session before the bridge answers {@code 421 4.7.0} and
     *                             closes it (someone guessing addresses: directory harvesting)
     * @param sessionDeadline      the longest a connection may last, however busy ({@code 421 4.4.2} after it): a
     *                             client that trickles bytes never goes idle
     * @param dataDeadline         the longest one message's DATA may take to arrive ({@code 421 4.4.2} after it)
     */
    public record Smtp(@DefaultValue("8025") int port, @DefaultValue("127.0.0.1") String bindAddress, String hostName,
            @DefaultValue Tls tls, @DefaultValue("26214400") int maxMessageBytes, @DefaultValue("100") int maxRecipients,
            @DefaultValue("200") int maxConnections, @DefaultValue("10") int connectionsPerClient,
            @DefaultValue("60") int messagesPerMinute, @DefaultValue("PT5M") Duration idleTimeout,
            @DefaultValue("20") int maxRefusedRecipients, @DefaultValue("PT30M") Duration sessionDeadline,
            @DefaultValue("PT10M") Duration dataDeadline) {
    }

    /**
     * @param concurrency   messages whose SPF, DKIM and DMARC are checked at once; the others wait for a turn (at most
     *                      the idle timeout, then {@code 451 4.3.2}), so that large messages arriving together cannot
     *                      exhaust memory or CPU
     * @param deadline      the longest all DNS questions of one message's checks may take; a result still open after
     *                      it is {@code temperror}
     * @param dkimSignatures the most DKIM signatures verified per message (those whose {@code d=} aligns with the From
     *                      domain first); each costs a DNS lookup and a body hash
     */
    public record Authentication(@DefaultValue("4") int concurrency, @DefaultValue("PT30S") Duration deadline,
            @DefaultValue("10") int dkimSignatures) {
    }

    /**
     * PEM files of the certificate (chain) and its private key; STARTTLS only when both are given and exist. In
     * Kubernetes the files come from an optional Secret: without it the paths are set but empty, and the bridge
     * takes mail without STARTTLS (and says so at start) rather than not at all.
     */
    public record Tls(Path certificate, Path key) {

        public boolean configured() {
            return certificate != null && key != null && Files.isReadable(certificate) && Files.isReadable(key);
        }

        /** Paths were given, but a file is missing. */
        public boolean missing() {
            return (certificate != null || key != null) && !configured();
        }
    }

    /**
     * @param servers DNS servers as {@code host:port} (port 53 when left out); none: the system's (/etc/resolv.conf)
     * @param timeout the longest wait for one answer
     */
    public record Dns(List<String> servers, @DefaultValue("PT3S") Duration timeout) {

        public Dns {
            servers = servers == null ? List.of() : List.copyOf(servers);
        }
    }
}
