package org.pullmail.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

import com.nimbusds.jose.jwk.OctetKeyPair;

import org.pullmail.protocol.ProtocolException;
import org.pullmail.protocol.http.Ed25519Keys;

/**
 * The kit's peer-domain keys. The published one lives in a file and is reused from run to run: the
 * deployment under test caches the peer's discovery document and refetches on an unknown key id at most
 * once a minute (PROTOCOL.md 2.2), so a new key per run would be refused as unknown-key for a minute.
 * The other is made per run and never published; it signs the "key not published" checks.
 */
final class PeerKeys {

    private static final SecureRandom RANDOM = new SecureRandom();

    final OctetKeyPair published;
    final OctetKeyPair unpublished;

    private PeerKeys(OctetKeyPair published, OctetKeyPair unpublished) {
        this.published = published;
        this.unpublished = unpublished;
    }

    /** Loads the key in {@code file}, or makes one there with kid {@code <peerDomain>/<random>}. */
    static PeerKeys load(Path file, String peerDomain) throws IOException {
        OctetKeyPair published = null;
        if (Files.isRegularFile(file)) {
            try {
                OctetKeyPair stored = Ed25519Keys.parse(Files.readString(file));
                if (stored.isPrivate() && stored.getKeyID() != null && stored.getKeyID().startsWith(peerDomain + "/")) {
                    published = stored;
                }
            } catch (ProtocolException unreadable) {
                published = null; // replaced below
            }
        }
        if (published == null) {
            published = Ed25519Keys.generate(peerDomain + "/" + shortRandom());
            write(file, published.toJSONString());
        }
        OctetKeyPair unpublished = Ed25519Keys.generate(peerDomain + "/unpublished-" + shortRandom());
        return new PeerKeys(published, unpublished);
    }

    private static void write(Path file, String json) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // the file system has no POSIX permissions; the temp dir's own protection applies
            }
            Files.writeString(temp, json);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static String shortRandom() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
