package org.pullmail.bridge.outbound;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.Result;
import org.apache.james.jdkim.exceptions.FailException;
import org.apache.james.jdkim.impl.DNSPublicKeyRecordRetriever;
import org.pullmail.testing.TestDns;
import org.xbill.DNS.SimpleResolver;

/** A message as alice's outbox keeps it, and the DKIM check a receiver runs on what Postfix delivered. */
final class SignedMail {

    private SignedMail() {
    }

    /** CRLF line ends, 8-bit UTF-8 text, and a line that starts with a dot (SMTP must stuff and unstuff it). */
    static byte[] message(String to, String subject) {
        return ("From: Alice <alice@alpha.test>\r\n"
                + "To: " + to + "\r\n"
                + "Subject: " + subject + "\r\n"
                + "Date: Mon, 30 Nov 2026 09:00:00 +0000\r\n"
                + "Message-ID: <" + subject.replaceAll("\\W", "") + "@alpha.test>\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n"
                + "\r\n"
                + "Hello — grüße from the pull world.\r\n"
                + ".a line that starts with a dot\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The same message spooled, as the bridge sends it (unsigned). */
    static SpooledMessage spooled(String to, String subject) throws IOException {
        return SpooledMessage.copy(new ByteArrayInputStream(message(to, subject)), Long.MAX_VALUE);
    }

    /** The DKIM results of a delivered Maildir file (stored with LF line ends: CRLF restored first). */
    static List<Result> verify(Path delivered, TestDns dns) throws IOException {
        String text = Files.readString(delivered, StandardCharsets.UTF_8).replaceAll("\r?\n", "\r\n");
        SimpleResolver resolver = new SimpleResolver(InetAddress.getLoopbackAddress());
        resolver.setPort(dns.port());
        resolver.setTimeout(Duration.ofSeconds(2));
        DKIMVerifier verifier = new DKIMVerifier(new DNSPublicKeyRecordRetriever(resolver));
        try {
            verifier.verify(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        } catch (FailException e) {
            // every signature failed: the results say why
        }
        return verifier.getResults();
    }
}
