package org.pullmail.bridge.inbound;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import org.pullmail.bridge.config.BridgeProperties;
import org.pullmail.service.PullmailProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.subethamail.smtp.server.SMTPServer;

/**
 * The SMTP listener (SubEthaSMTP): ESMTP with PIPELINING, 8BITMIME, SIZE, SMTPUTF8, and STARTTLS where a certificate
 * is configured; connections limited per client ({@link ClientSessions}: {@code 421} beyond) and in all, each session
 * and each DATA by a deadline. Starts after the rest of
 * the application (last phase) and stops first, so that no message arrives that cannot be kept.
 */
@Component
public class SmtpListener implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SmtpListener.class);

    private final BridgeProperties bridge;
    private final PullmailProperties pullmail;
    private final SmtpHostName hostName;
    private final ClientLimits limits;
    private final MailboxLookup mailboxes;
    private final LegacyMailReceiver receiver;
    private final SmtpMetrics metrics;
    private volatile SMTPServer server;
    private volatile ClientSessions sessions;

    SmtpListener(BridgeProperties bridge, PullmailProperties pullmail, SmtpHostName hostName, ClientLimits limits,
            MailboxLookup mailboxes, LegacyMailReceiver receiver, SmtpMetrics metrics) {
        this.bridge = bridge;
        this.pullmail = pullmail;
        this.hostName = hostName;
        this.limits = limits;
        this.mailboxes = mailboxes;
        this.receiver = receiver;
        this.metrics = metrics;
    }

    @Override
    public void start() {
        BridgeProperties.Smtp smtp = bridge.smtp();
        SSLContext tls = tlsContext(smtp.tls());
        InetAddress bind;
        try {
            bind = InetAddress.getByName(smtp.bindAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("pullmail.bridge.smtp.bind-address " + smtp.bindAddress(), e);
        }
        ClientSessions clients = new ClientSessions(smtp.connectionsPerClient(), smtp.sessionDeadline(), metrics);
        SMTPServer.Builder builder = SMTPServer.port(smtp.port()).bindAddress(bind).hostName(hostName.value())
                .softwareName("Pullmail smtp-bridge")
                .messageHandlerFactory(context -> new BridgeTransaction(context, pullmail.domain(), limits, mailboxes,
                        receiver, metrics, clients.of(context), smtp.maxRefusedRecipients()))
                .maxMessageSize(smtp.maxMessageBytes()).maxRecipients(smtp.maxRecipients())
                .maxConnections(smtp.maxConnections())
                .connectionTimeout((int) smtp.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .insertReceivedHeaders(false)
                .sessionHandler(clients);
        if (tls != null) {
            builder.enableTLS(true).startTlsSocketFactory(tls);
        }
        SMTPServer built = builder.build();
        built.getCommandHandler().addCommand(new EhloCommand());
        built.getCommandHandler().addCommand(new HeloCommand());
        built.getCommandHandler().addCommand(new DataCommand(smtp.dataDeadline()));
        built.start();
        server = built;
        sessions = clients;
        log.info("SMTP listening on {}:{} as {}{}", smtp.bindAddress(), built.getPortAllocated(), hostName.value(),
                tls != null ? " (STARTTLS)" : "");
    }

    @Override
    public void stop() {
        SMTPServer running = server;
        if (running != null) {
            running.stop();
            server = null;
        }
        ClientSessions open = sessions;
        if (open != null) {
            open.close();
            sessions = null;
        }
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    /** The port SMTP listens on (the one the system chose when 0 was asked); -1 when not running. */
    public int port() {
        SMTPServer running = server;
        return running == null ? -1 : running.getPortAllocated();
    }

    private static SSLContext tlsContext(BridgeProperties.Tls tls) {
        if (tls.missing()) {
            log.warn("no STARTTLS: the certificate {} or the key {} is not there", tls.certificate(), tls.key());
        }
        if (!tls.configured()) {
            return null;
        }
        try {
            PemSslStoreDetails key = PemSslStoreDetails.forCertificate(Files.readString(tls.certificate()))
                    .withPrivateKey(Files.readString(tls.key()));
            return SslBundle.of(new PemSslStoreBundle(key, null)).createSslContext();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the SMTP certificate or key", e);
        }
    }
}
