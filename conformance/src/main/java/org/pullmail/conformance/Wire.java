package org.pullmail.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The kit's HTTP client towards the deployment under test. Requests are signed for the URL the
 * deployment published (its notify_url, its fetch_url) and sent to where it answers (BASE_URL), which
 * is the same place unless the deployment runs behind a proxy with a public URL of its own.
 */
final class Wire {

    /** Bodies larger than this are cut: nothing PMP/1 answers needs more for the checks. */
    private static final int MAX_BODY_BYTES = 32 * 1024 * 1024;

    private final HttpClient http;
    private final URI baseUrl;

    Wire(URI baseUrl) {
        this.baseUrl = baseUrl;
        this.http = newClient();
    }

    static HttpClient newClient() {
        // HTTP/1.1: a cleartext HTTP/2 upgrade attempt would add header fields PMP/1 peers never send
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    HttpClient client() {
        return http;
    }

    URI baseUrl() {
        return baseUrl;
    }

    /** Where to send a request for a published URL: the same path and query at BASE_URL's origin. */
    URI reach(URI published) {
        if (sameOrigin(published, baseUrl)) {
            return published;
        }
        try {
            return new URI(baseUrl.getScheme(), baseUrl.getRawAuthority(), null, null, null)
                    .resolve(published.getRawPath() + (published.getRawQuery() == null ? "" : "?" + published.getRawQuery()));
        } catch (URISyntaxException e) {
            return published;
        }
    }

    Answer send(HttpRequest request) {
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            byte[] body;
            try (InputStream in = response.body()) {
                body = in.readNBytes(MAX_BODY_BYTES);
            }
            return new Answer(response.statusCode(), response.headers(), body, null);
        } catch (IOException e) {
            return Answer.noAnswer(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.noAnswer(e);
        }
    }

    Answer send(PmpRequest request) {
        return send(request.build(reach(request.target())));
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }
}
