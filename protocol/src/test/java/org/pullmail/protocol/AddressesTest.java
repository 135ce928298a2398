package org.pullmail.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Mail domains are DNS names, never IP addresses in any notation (PROTOCOL.md 1 and 8.2). */
class AddressesTest {

    @Test
    void ipLiteralsInAnyNotationAreNoMailDomains() {
        for (String literal : List.of("127.0.0.1", "0177.0.0.1", "0x7f.1", "0x7f.0.0.1", "2130706433", "127.1",
                "10.0.0.1", "169.254.169.254", "[::1]", "::1", "[::ffff:127.0.0.1]", "1.2.3.0x4", "example.0x",
                "localhost")) {
            assertThat(Addresses.isValidDomain(literal)).as(literal).isFalse();
            assertThat(Addresses.isValid("bob@" + literal)).as("bob@" + literal).isFalse();
        }
    }

    @Test
    void namesWithNumericLabelsBeforeTheLastStayValid() {
        for (String name : List.of("alpha.test", "1.2.3.4.in-addr.arpa", "123.example", "0x7f.example", "xn--bcher-kva.example",
                "a1.b2")) {
            assertThat(Addresses.isValidDomain(name)).as(name).isTrue();
        }
    }
}
