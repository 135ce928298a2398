package org.pullmail.protocol.discovery;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Which addresses a PMP/1 client may connect to for untrusted URLs (PROTOCOL.md 8.2). */
public final class PublicAddresses {

    private PublicAddresses() {
    }

    public static boolean isPublic(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return !(first == 0 || first == 10 || first == 127 || first >= 224
                    || (first == 100 && second >= 64 && second <= 127)      // CGNAT 100.64/10
                    || (first == 169 && second == 254)                      // link-local, cloud metadata
                    || (first == 172 && second >= 16 && second <= 31)
                    || (first == 192 && second == 168)
                    || (first == 192 && second == 0 && (b[2] & 0xff) == 0)  // IETF protocol assignments
                    || (first == 198 && (second == 18 || second == 19)));   // benchmarking
        }
        if (address instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) {
                return false; // unique local fc00::/7
            }
            int word0 = ((b[0] & 0xff) << 8) | (b[1] & 0xff);
            int word1 = ((b[2] & 0xff) << 8) | (b[3] & 0xff);
            if (word0 == 0x2001 && (word1 == 0 || word1 == 0x0db8)) {
                return false; // Teredo 2001::/32 (an obfuscated IPv4 address inside), documentation 2001:db8::/32
            }
            if (word0 == 0x0064 && word1 == 0xff9b) {
                // NAT64: 64:ff9b::/96 reaches the IPv4 address in its last four bytes; 64:ff9b:1::/48 is local use
                return zero(b, 4, 12) && embedded(b, 12);
            }
            if (word0 == 0x2002) {
                return embedded(b, 2); // 6to4 2002::/16 carries its IPv4 address in the next four bytes
            }
            if (zero(b, 0, 10) && ((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff || zero(b, 10, 12))) {
                return embedded(b, 12); // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d
            }
        }
        return true;
    }

    private static boolean zero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether the IPv4 address in the four bytes at {@code at} is public. */
    private static boolean embedded(byte[] b, int at) {
        try {
            return isPublic(InetAddress.getByAddress(new byte[] {b[at], b[at + 1], b[at + 2], b[at + 3]}));
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
