package org.pullmail.bridge.outbound;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.apache.james.jdkim.DKIMSigner;
import org.apache.james.jdkim.api.BodyHasher;
import org.apache.james.jdkim.exceptions.FailException;
import org.apache.james.mime4j.io.EOLConvertingInputStream;
import org.pullmail.bridge.auth.HeaderSection;
import org.pullmail.service.ApiProblem;
import org.pullmail.service.PullmailProperties;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Type;

/**
 * The domain's DKIM keys (RSA-2048, {@code rsa-sha256}: what every receiver verifies; jdkim has no Ed25519): one
 * is generated at first start, the active one signs every outbound message. Rotation is two steps, as a DNS change
 * needs: a new key is made and listed with its record, and signs only once an admin, having published the record,
 * activates it; the old ones stay listed, to stay published until mail signed with them is no longer checked.
 * Every replica reads the active key again within {@link #RELOAD} of a change.
 * Each key's DNS record is {@code <selector>._domainkey.<domain> TXT "v=DKIM1; k=rsa; p=…"}, given split into
 * strings of at most 255 bytes, as a zone file or a DNS provider's form takes them.
 */
@Component
public class DkimKeys {

    /**
     * The header fields signed (RFC 6376 5.4.1's recommendation, without those MTAs add or rewrite). From is named
     * twice: the second covers a From field that is not there (RFC 6376 5.4.2), so one added on the way breaks the
     * signature instead of being shown as the author under it.
     */
    static final String SIGNED_FIELDS = "from:from:to:cc:subject:date:message-id:mime-version:content-type:"
            + "content-transfer-encoding:in-reply-to:references:reply-to";
    private static final DateTimeFormatter SELECTOR_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
            .withZone(ZoneOffset.UTC);
    private static final int MAX_TXT_STRING = 255;

    /** A key as an admin sees it, with the record to publish. */
    public record PublishedKey(String selector, boolean active, Instant createdAt, String recordName, String recordType,
            String recordValue, List<String> recordStrings) {
    }

    private record ActiveKey(String selector, PrivateKey key, Instant loadedAt) {
    }

    /** How long a replica signs with the key it read before it looks for a newer one. */
    static final Duration RELOAD = Duration.ofSeconds(30);

    private final JdbcClient jdbc;
    private final PullmailProperties pullmail;
    private final Dns dns;
    private final Clock clock;
    private volatile ActiveKey active;

    DkimKeys(JdbcClient jdbc, PullmailProperties pullmail, Resolver resolver, Clock clock) {
        this.jdbc = jdbc;
        this.pullmail = pullmail;
        this.dns = new Dns(resolver);
        this.clock = clock;
    }

    /** The first start of a domain's bridge makes its first key, so that its record can be published at once. */
    @EventListener(ApplicationReadyEvent.class)
    void ensureKey() {
        if (activeRow() == null) {
            insert(newSelector(), true);
        }
    }

    /**
     * Signs the exact bytes of a message: answers them with a {@code DKIM-Signature} field in front
     * ({@code c=relaxed/relaxed}, so folding the field is safe).
     */
    public byte[] sign(byte[] message) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 1024);
        out.write(field(new ByteArrayInputStream(message)).getBytes(StandardCharsets.US_ASCII));
        out.write(message);
        return out.toByteArray();
    }

    /** Signs a spooled message: its field goes in front when it is sent; the body streams through the hash. */
    void sign(SpooledMessage message) throws IOException {
        try (InputStream in = message.open()) {
            message.sign(field(in));
        }
    }

    /**
     * The {@code DKIM-Signature} field (folded, CRLF-ended) of the message read from {@code in}: its header section
     * is read, then its body streams once through the body hash, never held whole.
     */
    private String field(InputStream raw) throws IOException {
        // the bytes as they go on the wire: SMTP sends every line end as CRLF, whatever the stored message has
        InputStream in = new BufferedInputStream(new EOLConvertingInputStream(raw), 64 * 1024);
        ActiveKey key = current();
        String template = "v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + pullmail.domain() + "; s=" + key.selector()
                + "; h=" + SIGNED_FIELDS + "; bh=; b=;";
        DKIMSigner signer = new DKIMSigner(template, key.key());
        HeaderSection headers = HeaderSection.read(in);
        if (headers == null) {
            throw new IOException("the message's header section is larger than " + HeaderSection.MAX_BYTES + " bytes");
        }
        try {
            BodyHasher hasher = signer.newBodyHasher(signer.newSignatureRecordTemplate(template));
            try (OutputStream body = hasher.getOutputStream()) {
                in.transferTo(body);
            }
            return signer.sign(headers, hasher).replace("; ", ";\r\n\t") + "\r\n";
        } catch (FailException e) {
            throw new IOException("the message cannot be DKIM-signed: " + e.getMessage(), e);
        }
    }

    /** Every key of the domain, the active one first, then newest first. */
    public List<PublishedKey> keys() {
        return jdbc.sql("SELECT selector, active, created_at, public_key FROM dkim_key WHERE domain = ?"
                        + " ORDER BY active DESC, created_at DESC")
                .param(pullmail.domain())
                .query((rs, n) -> published(rs.getString("selector"), rs.getBoolean("active"),
                        rs.getTimestamp("created_at").toInstant(), rs.getBytes("public_key")))
                .list();
    }

    /**
     * Makes a new key, listed with its record but not signing yet: publish the record, then {@link #activate} it.
     * Signing with a key receivers cannot find yet would fail DKIM for all of the domain's mail.
     */
    @Transactional
    public PublishedKey rotate() {
        String selector = newSelector();
        insert(selector, false);
        return keys().stream().filter(k -> k.selector().equals(selector)).findFirst().orElseThrow();
    }

    /**
     * The key signs from now on (every replica within {@link #RELOAD}); the one before stays listed. 404 if none;
     * 409 {@code dkim-record-missing} when the bridge's resolver does not find the key's record as published (with
     * what it found), unless {@code force}: signing with a key receivers cannot find fails DKIM for all the mail.
     */
    @Transactional
    public PublishedKey activate(String selector, boolean force) {
        PublishedKey key = keys().stream().filter(k -> k.selector().equals(selector)).findFirst()
                .orElseThrow(() -> ApiProblem.notFound("DKIM key " + selector));
        if (!force) {
            String missing = unpublished(key);
            if (missing != null) {
                throw new ApiProblem("dkim-record-missing", HttpStatus.CONFLICT, "The DKIM record is not published",
                        missing + "; publish " + key.recordName() + " TXT \"" + key.recordValue()
                                + "\" and try again, or activate with force=true");
            }
        }
        jdbc.sql("UPDATE dkim_key SET active = false WHERE domain = ? AND active AND selector <> ?")
                .params(pullmail.domain(), selector).update();
        jdbc.sql("UPDATE dkim_key SET active = true WHERE domain = ? AND selector = ?")
                .params(pullmail.domain(), selector).update();
        active = null;
        return keys().stream().filter(k -> k.selector().equals(selector)).findFirst().orElseThrow();
    }

    /** Why the key's record does not check out in DNS (the DNS lookup is outside the transaction's writes), or null. */
    private String unpublished(PublishedKey key) {
        Dns.Answer txt = dns.ask(key.recordName(), Type.TXT);
        if (txt.outcome() == Dns.Outcome.FAILED) {
            return "the DNS lookup of " + key.recordName() + " failed";
        }
        List<String> found = txt.records().stream().map(Dns::text).filter(t -> !t.isBlank()).toList();
        String wanted = publicKey(key.recordValue());
        for (String text : found) {
            if (wanted.equals(publicKey(text))) {
                return null;
            }
        }
        return found.isEmpty() ? key.recordName() + " has no TXT record"
                : key.recordName() + " has " + found.stream().map(t -> "\"" + (t.length() > 80 ? t.substring(0, 80) + "…" : t)
                        + "\"").toList() + ", not this key";
    }

    /** The {@code p=} tag of a DKIM key record, without spaces (RFC 6376 3.6.1 allows folding whitespace). */
    private static String publicKey(String record) {
        for (String tag : record.split(";")) {
            String t = tag.trim();
            if (t.startsWith("p=")) {
                return t.substring(2).replaceAll("\\s", "");
            }
        }
        return "";
    }

    private ActiveKey current() throws IOException {
        ActiveKey key = active;
        if (key != null && clock.instant().isBefore(key.loadedAt().plus(RELOAD))) {
            return key;
        }
        ActiveRow row = activeRow();
        if (row == null) {
            ensureKey();
            row = activeRow();
        }
        try {
            key = key != null && key.selector().equals(row.selector())
                    ? new ActiveKey(key.selector(), key.key(), clock.instant())
                    : new ActiveKey(row.selector(), KeyFactory.getInstance("RSA")
                            .generatePrivate(new PKCS8EncodedKeySpec(row.privateKey())), clock.instant());
        } catch (GeneralSecurityException e) {
            throw new IOException("the DKIM key " + row.selector() + " cannot be read", e);
        }
        active = key;
        return key;
    }

    private record ActiveRow(String selector, byte[] privateKey) {
    }

    private ActiveRow activeRow() {
        return jdbc.sql("SELECT selector, private_key FROM dkim_key WHERE domain = ? AND active")
                .param(pullmail.domain())
                .query((rs, n) -> new ActiveRow(rs.getString(1), rs.getBytes(2))).optional().orElse(null);
    }

    private void insert(String selector, boolean isActive) {
        KeyPair pair;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            pair = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no RSA in this JVM", e);
        }
        // two replicas starting at once: the unique index keeps one active key, the other insert does nothing
        jdbc.sql("""
                INSERT INTO dkim_key (selector, domain, private_key, public_key, created_at, active)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")
                .params(selector, pullmail.domain(), pair.getPrivate().getEncoded(), pair.getPublic().getEncoded(),
                        Timestamp.from(clock.instant()), isActive)
                .update();
    }

    /** {@code pm} and the time: a new name per rotation, in the order keys were made. */
    private String newSelector() {
        String base = "pm" + SELECTOR_TIME.format(clock.instant());
        String selector = base;
        for (int n = 2; jdbc.sql("SELECT count(*) FROM dkim_key WHERE selector = ?").param(selector)
                .query(Integer.class).single() > 0; n++) {
            selector = base + "x" + n;
        }
        return selector;
    }

    private PublishedKey published(String selector, boolean isActive, Instant createdAt, byte[] publicKey) {
        String value = "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(publicKey);
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < value.length(); i += MAX_TXT_STRING) {
            strings.add(value.substring(i, Math.min(value.length(), i + MAX_TXT_STRING)));
        }
        return new PublishedKey(selector, isActive, createdAt, selector + "._domainkey." + pullmail.domain(), "TXT",
                value, strings);
    }
}
