package org.pullmail.service;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import org.springframework.http.HttpHeaders;

/**
 * The API the services of one domain call on each other under {@code /internal/**} (provisioning, signal
 * hand-over, outcomes, sent mail, keys, statistics). Every call carries the secret the domain's services share,
 * {@code pullmail.internal-secret}, as a Bearer token: a network that reaches a service's port (a scraper, a
 * neighbour on a shared network) is not enough to provision mailboxes or to make a sender a trusted
 * correspondent. Calls are built here and checked here ({@link InternalApiFilter}).
 */
public final class InternalApi {

    /** The setting that holds the secret; environment variable {@code PULLMAIL_INTERNAL_SECRET}. */
    public static final String SECRET_PROPERTY = "pullmail.internal-secret";
    /** Shorter secrets are refused: a guessable one would protect nothing. */
    public static final int MIN_SECRET_LENGTH = 32;
    static final String PATHS = "/internal/**";
    private static final String SCHEME = "Bearer ";

    private final byte[] secret;
    private final String authorization;

    /** @throws InternalSecretException when the secret is missing or shorter than {@value #MIN_SECRET_LENGTH} characters */
    public InternalApi(String secret) {
        if (secret == null || secret.isBlank()) {
            throw new InternalSecretException(SECRET_PROPERTY + " is not set");
        }
        if (secret.length() < MIN_SECRET_LENGTH) {
            throw new InternalSecretException(SECRET_PROPERTY + " has " + secret.length() + " characters, fewer than "
                    + MIN_SECRET_LENGTH);
        }
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.authorization = SCHEME + secret;
    }

    /** A request to an internal endpoint of another service of this domain, carrying the secret. */
    public HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).header(HttpHeaders.AUTHORIZATION, authorization);
    }

    /** The same, for a URI given as text. */
    public HttpRequest.Builder request(String uri) {
        return request(URI.create(uri));
    }

    /**
     * Whether an {@code Authorization} field value carries this domain's secret. The secret is compared in
     * constant time (its own length decides the time taken, not how much of it a guess got right).
     */
    boolean admits(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        byte[] presented = authorizationHeader.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(secret, presented);
    }

    /** A service that serves or calls internal endpoints cannot start without a usable secret. */
    public static final class InternalSecretException extends IllegalStateException {

        InternalSecretException(String problem) {
            super(problem + ": set it (environment variable PULLMAIL_INTERNAL_SECRET) to the secret this domain's"
                    + " services share, at least " + MIN_SECRET_LENGTH + " characters");
        }
    }
}
