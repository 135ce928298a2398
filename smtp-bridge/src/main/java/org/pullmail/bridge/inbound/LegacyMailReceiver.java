package org.pullmail.bridge.inbound;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.pullmail.bridge.auth.SenderAuthentication;
import org.pullmail.bridge.config.BridgeProperties;
import org.pullmail.bridge.legacy.CapabilityTokens;
import org.pullmail.bridge.legacy.InboxNotifications;
import org.pullmail.bridge.legacy.LegacyMessages;
import org.pullmail.protocol.Addresses;
import org.pullmail.protocol.NotificationReceipt;
import org.pullmail.protocol.Pmp;
import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.ReplyHint;
import org.pullmail.protocol.http.ContentDigest;
import org.pullmail.service.MessageBytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.subethamail.smtp.RejectException;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeUtility;

/**
 * The end of DATA: the message is spooled to a temporary file (never whole in the heap) while its size is counted,
 * its author read from From, SPF, DKIM and DMARC checked, and then it is kept with a {@code Received} and an
 * {@code Authentication-Results} field on top, announced to the inbox, and answered from the inbox's receipt
 * (PROTOCOL.md 3.6 "Answers over SMTP"):
 * <ul>
 * <li>some recipient accepted: {@code 250 2.0.0}, the message waits for its fetch;</li>
 * <li>no recipient accepted: {@code 550 5.7.1} (blocked) or {@code 550 5.1.1} (no mailbox), nothing kept;</li>
 * <li>the inbox refused with 429: {@code 451 4.7.1}; with 5xx, another refusal or unreachable: {@code 451 4.3.0},
 * nothing kept. A timeout after the notification went out keeps the message: the inbox may have stored the
 * notification, and will then fetch.</li>
 * </ul>
 * A message whose notification id was seen before (a client that resends after a lost connection) is not kept twice:
 * the kept one is announced again with fresh tokens beside the first ones, and the inbox answers its first receipt.
 */
@Component
class LegacyMailReceiver {

    private static final Logger log = LoggerFactory.getLogger(LegacyMailReceiver.class);
    private static final DateTimeFormatter RFC5322_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
    /** A Message-ID a reply hint may be computed with: id-left@id-right, printable, bounded. */
    private static final int MAX_ID_CHARS = 250;

    /** What the SMTP transaction established before DATA. */
    record Envelope(String clientIp, String helo, String mailFrom, List<String> recipients, boolean tls) {
    }

    private final SenderAuthentication authentication;
    private final LegacyMessages messages;
    private final InboxNotifications notifications;
    private final BridgeProperties bridge;
    private final SmtpMetrics metrics;
    private final Clock clock;
    private final String hostName;
    /** Turns at checking SPF, DKIM and DMARC: each check streams a whole message and waits on DNS. */
    private final Semaphore checking;
    private final Map<String, Semaphore> checkingPerClient = new ConcurrentHashMap<>();

    LegacyMailReceiver(SenderAuthentication authentication, LegacyMessages messages, InboxNotifications notifications,
            BridgeProperties bridge, SmtpMetrics metrics, Clock clock, SmtpHostName hostName) {
        this.authentication = authentication;
        this.messages = messages;
        this.notifications = notifications;
        this.bridge = bridge;
        this.metrics = metrics;
        this.clock = clock;
        this.hostName = hostName.value();
        this.checking = new Semaphore(bridge.authentication().concurrency(), true);
    }

    /** Takes the message; the text after {@code 250 }, or a refusal. */
    String receive(Envelope envelope, InputStream data) throws IOException, RejectException {
        Path spool = Files.createTempFile("smtp-bridge-", ".eml");
        try {
            byte[] sha256 = spool(data, spool);
            InternetHeaders headers;
            try (InputStream in = Files.newInputStream(spool)) {
                headers = new InternetHeaders(in, true);
            } catch (MessagingException e) {
                throw refuse("no-author", 550, "5.6.0 the message has no readable header section");
            }
            String author = author(headers);
            String notificationId = notificationId(first(headers, "Message-ID"), envelope, sha256);
            List<String> referenced = referencedIds(first(headers, "In-Reply-To"), first(headers, "References"));
            Optional<LegacyMessages.Kept> earlier = messages.byNotificationId(notificationId);
            if (earlier.isPresent()) {
                return announce(earlier.get(), referenced, envelope.clientIp(), false);
            }
            SenderAuthentication.Results results = authenticate(envelope, author, spool);
            UUID id = UUID.randomUUID();
            Instant now = clock.instant();
            byte[] trace = ("Authentication-Results: " + results.authenticationResults() + "\r\n"
                    + received(envelope, id, now)).getBytes(StandardCharsets.UTF_8);
            MessageBytes.Writer writer = messages.writer(id, trace.length + Files.size(spool));
            MessageBytes.Stored stored;
            try {
                writer.write(trace);
                try (InputStream in = Files.newInputStream(spool)) {
                    copyWithoutOurResults(in, writer, hostName);
                }
                stored = writer.finish();
            } catch (IOException | DataAccessException e) {
                writer.discard();
                log.warn("cannot keep a message from {}: {}", envelope.clientIp(), e.toString());
                throw refuse("store-failed", 451, "4.3.0 the message cannot be kept now, try again later");
            }
            LegacyMessages.Kept kept = new LegacyMessages.Kept(id, notificationId, author,
                    results.bridged(envelope.clientIp(), envelope.helo(), envelope.mailFrom()), subject(headers),
                    stored.size(), stored.contentDigest(), now, now.plus(bridge.keepFor()), envelope.recipients());
            Map<String, String> tokens = tokens(kept.recipients());
            try {
                messages.keep(kept, stored, hashes(tokens));
            } catch (DataAccessException e) {
                messages.discard(stored);
                log.warn("cannot keep a message from {}: {}", envelope.clientIp(), e.toString());
                throw refuse("store-failed", 451, "4.3.0 the message cannot be kept now, try again later");
            }
            return announce(kept, tokens, referenced, envelope.clientIp(), true);
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    /**
     * SPF, DKIM and DMARC, when a turn is free: a client waits for one at most as long as it may be silent, then is
     * asked to try again later.
     */
    private SenderAuthentication.Results authenticate(Envelope envelope, String author, Path spool)
            throws IOException, RejectException {
        // one check at a time per client (an IPv6 one by its /64): a client whose domains' name servers never answer
        // holds one turn, never all of them
        String client = ClientLimits.clientOf(envelope.clientIp());
        Semaphore own = checkingPerClient.computeIfAbsent(client, c -> new Semaphore(1, true));
        boolean ownTurn = false;
        boolean turn = false;
        try {
            long wait = bridge.smtp().idleTimeout().toMillis();
            ownTurn = own.tryAcquire(wait, TimeUnit.MILLISECONDS);
            turn = ownTurn && checking.tryAcquire(wait, TimeUnit.MILLISECONDS);
            if (!turn) {
                throw refuse("busy", 451, "4.3.2 too many messages are being checked now, try again later");
            }
            try (InputStream in = Files.newInputStream(spool)) {
                return authentication.check(hostName, envelope.clientIp(), envelope.helo(), envelope.mailFrom(), author,
                        in);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw refuse("busy", 451, "4.3.2 shutting down, try again later");
        } finally {
            if (turn) {
                checking.release();
            }
            if (ownTurn) {
                own.release();
            }
            if (!own.hasQueuedThreads() && own.availablePermits() == 1) {
                checkingPerClient.remove(client, own);
            }
        }
    }

    /**
     * Copies the message, leaving out every {@code Authentication-Results} field whose authserv-id is this bridge's
     * (RFC 8601 section 5): only the one the bridge puts on top may speak in its name.
     */
    static void copyWithoutOurResults(InputStream message, OutputStream out, String authservId) throws IOException {
        InputStream in = new BufferedInputStream(message, 64 * 1024);
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            line.reset();
            int b;
            while ((b = in.read()) >= 0) {
                line.write(b);
                if (b == '\n') {
                    break;
                }
            }
            byte[] bytes = line.toByteArray();
            boolean continuation = bytes.length > 0 && (bytes[0] == ' ' || bytes[0] == '\t');
            if (!continuation) {
                if (!ours(field.toString(StandardCharsets.ISO_8859_1), authservId)) {
                    field.writeTo(out);
                }
                field.reset();
            }
            boolean blank = bytes.length == 0 || bytes[0] == '\n' || (bytes[0] == '\r' && bytes.length == 2);
            if (blank) {
                out.write(bytes);
                break; // the empty line: the body follows as it is
            }
            field.write(bytes);
            if (b < 0) {
                if (!ours(field.toString(StandardCharsets.ISO_8859_1), authservId)) {
                    field.writeTo(out);
                }
                break;
            }
        }
        in.transferTo(out);
    }

    /** An Authentication-Results field whose authserv-id (after any comment, unquoted) names this bridge. */
    private static boolean ours(String field, String authservId) {
        int colon = field.indexOf(':');
        if (colon < 0 || !field.substring(0, colon).strip().equalsIgnoreCase("Authentication-Results")) {
            return false;
        }
        String value = field.substring(colon + 1).replaceAll("[\r\n]", "").strip();
        while (value.startsWith("(")) { // CFWS before the id
            int depth = 0;
            int i = 0;
            for (; i < value.length(); i++) {
                char c = value.charAt(i);
                depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                if (depth == 0) {
                    break;
                }
            }
            value = value.substring(Math.min(i + 1, value.length())).strip();
        }
        int end = 0;
        while (end < value.length() && value.charAt(end) != ';' && !Character.isWhitespace(value.charAt(end))
                && value.charAt(end) != '(') {
            end++;
        }
        String id = value.substring(0, end).replace("\"", "");
        if (id.endsWith(".")) {
            id = id.substring(0, id.length() - 1);
        }
        return id.equalsIgnoreCase(authservId);
    }

    private String announce(LegacyMessages.Kept kept, List<String> referenced, String clientIp, boolean created)
            throws RejectException {
        Map<String, String> tokens = tokens(kept.recipients());
        messages.addTokens(kept.id(), hashes(tokens));
        return announce(kept, tokens, referenced, clientIp, created);
    }

    private String announce(LegacyMessages.Kept kept, Map<String, String> tokens, List<String> referenced,
            String clientIp, boolean created) throws RejectException {
        InboxNotifications.Answer answer = notifications.notify(kept, tokens, referenced, clientIp);
        if (answer instanceof InboxNotifications.NotReceived failed) {
            if (created && !failed.perhapsStored()) {
                messages.delete(kept.id());
            }
            log.info("message {} from {}: {}", kept.id(), clientIp, failed.why());
            throw failed.rateLimited()
                    ? refuse("inbox-rate-limited", 451, "4.7.1 too much mail from your address now, try again later")
                    : refuse("inbox-unavailable", 451, "4.3.0 the recipients' domain cannot take mail now, try again later");
        }
        Map<String, NotificationReceipt.Outcome> outcomes = ((InboxNotifications.Received) answer).outcomes();
        Map<String, NotificationReceipt.Outcome> refused = new LinkedHashMap<>(outcomes);
        refused.values().removeIf(o -> o == NotificationReceipt.Outcome.ACCEPTED);
        if (refused.size() == outcomes.size()) {
            messages.delete(kept.id());
            if (refused.containsValue(NotificationReceipt.Outcome.BLOCKED)) {
                throw refuse("blocked", 550, "5.7.1 the recipient does not accept mail from this sender");
            }
            throw refuse("no-mailbox", 550, "5.1.1 no such mailbox here");
        }
        if (!refused.isEmpty()) {
            messages.refused(kept.id(), refused);
        }
        metrics.message("accepted");
        return "2.0.0 queued as " + kept.id();
    }

    private RejectException refuse(String result, int code, String text) {
        metrics.message(result);
        return new RejectException(code, text);
    }

    /** Copies DATA into the spool file, counting: beyond the maximum the rest is read off and refused with 552. */
    private byte[] spool(InputStream data, Path spool) throws IOException, RejectException {
        long max = bridge.smtp().maxMessageBytes();
        MessageDigest sha256 = ContentDigest.newSha256();
        try (OutputStream out = Files.newOutputStream(spool)) {
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = data.read(buffer)) >= 0) {
                total += n;
                if (total > max) {
                    data.transferTo(OutputStream.nullOutputStream());
                    throw refuse("too-large", 552, "5.3.4 the message is larger than " + max + " bytes");
                }
                out.write(buffer, 0, n);
                sha256.update(buffer, 0, n);
            }
        }
        return sha256.digest();
    }

    /**
     * The one address of the From field, whose domain DMARC checks and the recipient's policy judges. A message
     * without one (none, several, a group, or one that PMP/1 cannot carry) is refused: RFC 5322 requires From, and
     * DMARC (RFC 7489 6.6.1) cannot judge a message with more or fewer than one author domain.
     */
    private String author(InternetHeaders headers) throws RejectException {
        String[] fields = headers.getHeader("From");
        if (fields == null || fields.length != 1) {
            throw refuse("no-author", 550, "5.6.0 the message needs exactly one From header field");
        }
        try {
            InternetAddress[] addresses = InternetAddress.parseHeader(MimeUtility.unfold(fields[0]), false);
            if (addresses.length != 1 || addresses[0].isGroup()) {
                throw refuse("no-author", 550, "5.6.0 the From header field must name exactly one author");
            }
            return Addresses.normalize(addresses[0].getAddress());
        } catch (AddressException | ProtocolException e) {
            throw refuse("no-author", 550, "5.6.0 the From header field's address cannot be read");
        }
    }

    /**
     * PROTOCOL.md 3.6 Idempotency: from the Message-ID, the envelope sender and recipients, and the SHA-256 of the
     * bytes as the client sent them, so that a resend after a lost connection gets the first one's id.
     */
    static String notificationId(String messageId, Envelope envelope, byte[] sha256) {
        MessageDigest digest = ContentDigest.newSha256();
        digest.update((messageId == null ? "" : messageId.strip()).getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(envelope.mailFrom().getBytes(StandardCharsets.UTF_8));
        for (String recipient : new TreeSet<>(envelope.recipients())) {
            digest.update((byte) 0);
            digest.update(recipient.getBytes(StandardCharsets.UTF_8));
        }
        digest.update((byte) 0);
        digest.update(sha256);
        return "smtp-" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest.digest());
    }

    /** The Message-IDs the reply hints are computed with (PROTOCOL.md 3.5), as for any sender. */
    static List<String> referencedIds(String inReplyTo, String references) {
        List<String> ids = new ArrayList<>();
        for (String id : ReplyHint.referenced(inReplyTo == null ? null : MimeUtility.unfold(inReplyTo),
                references == null ? null : MimeUtility.unfold(references))) {
            if (id.length() <= MAX_ID_CHARS && id.indexOf('@') > 0 && id.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** The Subject as a preview: RFC 2047 decoded, controls made spaces, at most 200 code points. */
    static String subject(InternetHeaders headers) {
        String raw = first(headers, "Subject");
        if (raw == null) {
            return null;
        }
        String decoded;
        try {
            decoded = MimeUtility.decodeText(MimeUtility.unfold(raw));
        } catch (UnsupportedEncodingException e) {
            decoded = MimeUtility.unfold(raw);
        }
        StringBuilder clean = new StringBuilder();
        decoded.strip().codePoints().forEach(c -> clean.appendCodePoint((c < 0x20 && c != '\t') || c == 0x7f ? ' ' : c));
        String subject = clean.toString();
        if (subject.codePointCount(0, subject.length()) <= Pmp.MAX_SUBJECT_CHARS) {
            return subject;
        }
        return subject.substring(0, subject.offsetByCodePoints(0, Pmp.MAX_SUBJECT_CHARS - 1)) + "…";
    }

    private String received(Envelope envelope, UUID id, Instant now) {
        StringBuilder field = new StringBuilder("Received: from ").append(envelope.helo())
                .append(" ([").append(envelope.clientIp()).append("])\r\n\tby ").append(hostName)
                .append(" (Pullmail smtp-bridge) with ").append(envelope.tls() ? "ESMTPS" : "ESMTP")
                .append(" id ").append(id);
        if (envelope.recipients().size() == 1) {
            field.append("\r\n\tfor <").append(envelope.recipients().get(0)).append('>');
        }
        return field.append("; ").append(RFC5322_DATE.format(now)).append("\r\n").toString();
    }

    private static String first(InternetHeaders headers, String name) {
        return headers.getHeader(name, null);
    }

    private static Map<String, String> tokens(List<String> recipients) {
        Map<String, String> tokens = new LinkedHashMap<>();
        recipients.forEach(r -> tokens.put(r, CapabilityTokens.generate()));
        return tokens;
    }

    private static Map<String, byte[]> hashes(Map<String, String> tokens) {
        Map<String, byte[]> hashes = new LinkedHashMap<>();
        tokens.forEach((r, t) -> hashes.put(r, CapabilityTokens.hash(t)));
        return hashes;
    }
}
