package org.pullmail.bridge.outbound;

import java.net.http.HttpClient;
import java.time.Clock;

import javax.net.ssl.SSLContext;

import org.pullmail.service.InternalApi;
import org.pullmail.service.PullmailProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import org.xbill.DNS.Resolver;

import io.micrometer.core.instrument.MeterRegistry;

/** The parts of outbound delivery, over the bridge's one DNS resolver and the domain's outbox. */
@Configuration(proxyBeanMethods = false)
class OutboundConfiguration {

    @Bean
    OutboundQueue outboundQueue(JdbcClient jdbc, TransactionTemplate tx, Resolver resolver, HttpClient http,
            InternalApi internal, DkimKeys dkim, OutboundProperties outbound, PullmailProperties pullmail, Clock clock,
            MeterRegistry meters) {
        Dns dns = new Dns(resolver);
        SSLContext verifying = TlsTrust.context(outbound.mtaSts().trustedCertificates());
        MtaSts mtaSts = new MtaSts(dns, outbound.mtaSts(), verifying, outbound.allowPrivateAddresses(), clock);
        String helo = outbound.heloName() == null || outbound.heloName().isBlank() ? pullmail.domain()
                : outbound.heloName();
        return new OutboundQueue(jdbc, tx, new Routes(dns, mtaSts, outbound),
                new OutboxClient(http, internal, outbound.outboxUrl().toString()), dkim,
                new SmtpSender(outbound, helo, verifying), outbound, clock, meters);
    }
}
