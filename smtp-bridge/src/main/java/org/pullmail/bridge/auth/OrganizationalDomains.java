package org.pullmail.bridge.auth;

import java.util.Locale;

import de.malkusch.whoisServerList.publicSuffixList.PublicSuffixList;
import de.malkusch.whoisServerList.publicSuffixList.PublicSuffixListFactory;

/**
 * The organisational domain of RFC 7489 3.2: the registrable domain by the public suffix list (the copy bundled with
 * the library; nothing is downloaded), with the list's implicit {@code *} rule, so {@code mail.legacy.test} belongs
 * to {@code legacy.test}.
 */
final class OrganizationalDomains {

    private static final PublicSuffixList LIST = new PublicSuffixListFactory().build();

    private OrganizationalDomains() {
    }

    static String of(String domain) {
        String lower = domain.toLowerCase(Locale.ROOT);
        String registrable = LIST.getRegistrableDomain(lower);
        return registrable == null ? lower : registrable;
    }
}
