package org.pullmail.bridge.outbound;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the bridge delivers Pullmail users' mail over SMTP ({@code pullmail.bridge.outbound.*}). DNS questions (MX,
 * A, MTA-STS) go to the bridge's one resolver ({@code pullmail.bridge.dns.servers}).
 *
 * @param outboxUrl      this domain's outbox-service: the bytes are fetched there and the results reported there
 * @param smarthost      {@code host:port} of a relay that takes all outbound mail; none: each domain's MX
 * @param mxPort         the port of MX delivery: 25, except on test rigs
 * @param heloName       the name in EHLO; none: the domain's name
 * @param lifetime       how long a message is retried before its undelivered recipients fail (at most until it
 *                       expires)
 * @param retryInitial   first retry delay; it doubles per attempt, with jitter
 * @param retryMax       longest delay between attempts
 * @param pollInterval   how often the queue is polled for due messages
 * @param workers        messages delivered at once
 * @param perDomain      messages to one recipient domain delivered at once (a slow or silent MX holds no more
 *                       workers than this)
 * @param connectTimeout the longest wait for an SMTP connection
 * @param timeout        the longest wait for any one SMTP reply (RFC 5321 4.5.3.2 asks for minutes after DATA)
 * @param attemptTimeout the longest one attempt may take as a whole (fetch, DNS, every MX host tried): then its
 *                       connection is closed and the message retried; a claimed message is leased for longer
 * @param allowPrivateAddresses test rigs only: MX hosts and MTA-STS policy servers may be at loopback or private
 *                       addresses (a configured smarthost always may)
 * @param mtaSts         MTA-STS (RFC 8461) settings
 */
@ConfigurationProperties("pullmail.bridge.outbound")
public record OutboundProperties(@DefaultValue("http://127.0.0.1:8081") URI outboxUrl,
        String smarthost,
        @DefaultValue("25") int mxPort,
        String heloName,
        @DefaultValue("P2D") Duration lifetime,
        @DefaultValue("PT1M") Duration retryInitial,
        @DefaultValue("PT1H") Duration retryMax,
        @DefaultValue("PT1S") Duration pollInterval,
        @DefaultValue("4") int workers,
        @DefaultValue("2") int perDomain,
        @DefaultValue("PT30S") Duration connectTimeout,
        @DefaultValue("PT5M") Duration timeout,
        @DefaultValue("PT15M") Duration attemptTimeout,
        @DefaultValue("false") boolean allowPrivateAddresses,
        @DefaultValue MtaSts mtaSts) {

    /**
     * @param enabled             whether recipients' MTA-STS policies are looked up and honoured
     * @param policyUrls          test rigs only: domain → where its policy is fetched instead of
     *                            {@code https://mta-sts.<domain>/.well-known/mta-sts.txt}
     * @param trustedCertificates a PEM file of certificates trusted beside the JVM's (a private CA, a test rig's),
     *                            for policy fetches and verified STARTTLS
     * @param fetchTimeout        the longest a policy fetch may take, body included
     */
    public record MtaSts(@DefaultValue("true") boolean enabled, Map<String, URI> policyUrls, Path trustedCertificates,
            @DefaultValue("PT10S") Duration fetchTimeout) {

        public MtaSts {
            policyUrls = policyUrls == null ? Map.of() : Map.copyOf(policyUrls);
        }
    }
}
