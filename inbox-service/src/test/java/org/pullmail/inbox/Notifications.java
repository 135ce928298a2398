package org.pullmail.inbox;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.pullmail.protocol.Notification;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.protocol.http.SignatureProfile;
import org.pullmail.protocol.json.PmpJson;
import org.pullmail.testing.PeerDomains;
import org.pullmail.testing.TestInternalSecret;

/** Builds and sends signed notifications from a peer domain to an inbox under test. */
public final class Notifications {

    /** The public URL the inbox under test believes it has; signatures cover it. */
    public static final String PUBLIC_URL = "http://inbox.alpha.test";

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Notifications() {
    }

    public static Notification notification(PeerDomains.Peer from, String sender, String digest, String subject,
            String... recipients) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String id = UUID.randomUUID().toString();
        List<Notification.Recipient> list = new ArrayList<>();
        for (String r : recipients) {
            byte[] token = new byte[32];
            new SecureRandom().nextBytes(token);
            list.add(new Notification.Recipient(r, Base64.getUrlEncoder().withoutPadding().encodeToString(token)));
        }
        return new Notification(id, sender, list, subject, 1000, digest, from.base() + Pmp.FETCH_PATH + "/" + id, now,
                now.plus(Duration.ofDays(7)));
    }

    public static String digestOf(String content) {
        return ContentDigest.sha256(content.getBytes(StandardCharsets.UTF_8));
    }

    /** POSTs the notification, signed by {@code from}, to the inbox listening on {@code port}. */
    public static HttpResponse<String> send(PeerDomains.Peer from, Notification n, int port, Map<String, String> extra)
            throws Exception {
        Map<String, String> headers = new LinkedHashMap<>(Map.of("Content-Type", "application/json"));
        var request = from.signed("POST", URI.create(PUBLIC_URL + Pmp.NOTIFY_PATH),
                URI.create("http://127.0.0.1:" + port + Pmp.NOTIFY_PATH), PmpJson.write(n),
                SignatureProfile.NOTIFICATION, headers, from.signer());
        extra.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public static void provision(int port, String... mailboxes) throws Exception {
        for (String mailbox : mailboxes) {
            HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/internal/v1/mailboxes/" + mailbox)).header("Authorization", TestInternalSecret.AUTHORIZATION)
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding());
        }
    }
}
