package org.pullmail.service;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.pullmail.protocol.Pmp;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What a service knows about the domain it serves.
 *
 * @param domain     the mail domain, e.g. {@code alpha.test}
 * @param publicUrl  where other domains reach this domain (the gateway), e.g. {@code https://alpha.test}
 * @param jwksUrl    the gateway's JWK set, used to verify users' access tokens
 * @param discovery  how other domains are found
 * @param signingKey a private Ed25519 JWK this service signs with (services that sign); none: one is generated
 * @param keys       how signing keys are rotated
 * @param internalSecret the secret the services of this domain share, sent as a Bearer token on every call to
 *                   another's {@code /internal/**} endpoints (provisioning, signal hand-over, outcomes, sent mail,
 *                   keys, statistics) and checked by the service called; required, at least 32 characters
 *                   (environment variable {@code PULLMAIL_INTERNAL_SECRET}), no default: see {@link InternalApi}
 */
@ConfigurationProperties("pullmail")
public record PullmailProperties(@DefaultValue("alpha.test") String domain,
        @DefaultValue("http://127.0.0.1:8080") URI publicUrl,
        @DefaultValue("http://127.0.0.1:8080/api/v1/auth/jwks") URI jwksUrl,
        @DefaultValue Discovery discovery,
        String signingKey,
        @DefaultValue Keys keys,
        String internalSecret) {

    /**
     * @param publishLead   how long a new key is published before it signs (caches must have fetched it)
     * @param checkInterval how often a published key is looked at for promotion
     */
    public record Keys(@DefaultValue("PT10M") Duration publishLead, @DefaultValue("PT30S") Duration checkInterval) {
    }

    /**
     * @param overrides             static entries: domain → base URL of its discovery document
     * @param allowPrivateAddresses lets discovery reach private addresses without an override; off in production
     */
    public record Discovery(Map<String, URI> overrides, @DefaultValue("false") boolean allowPrivateAddresses) {
        public Discovery {
            overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
        }
    }

    /** The {@code iss} of this domain's access tokens. */
    public String issuer() {
        return "pullmail:" + domain;
    }

    /** This domain's notify_url, as other domains sign it. */
    public URI notifyUrl() {
        return URI.create(base() + Pmp.NOTIFY_PATH);
    }

    /** This domain's fetch_base; every fetch_url starts with it. */
    public URI fetchBase() {
        return URI.create(base() + Pmp.FETCH_PATH + "/");
    }

    /** The public URL of a path on this domain (for reconstructing @target-uri behind the gateway). */
    public URI publicUri(String pathAndQuery) {
        return URI.create(base() + pathAndQuery);
    }

    /** Without the signing key and the internal secret, which no log may show. */
    @Override
    public String toString() {
        return "PullmailProperties[domain=" + domain + ", publicUrl=" + publicUrl + ", jwksUrl=" + jwksUrl
                + ", discovery=" + discovery + ", keys=" + keys + "]";
    }

    private String base() {
        String s = publicUrl.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
