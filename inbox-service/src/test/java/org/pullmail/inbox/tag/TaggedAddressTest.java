package org.pullmail.inbox.tag;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Mail to local+tag@domain belongs to local@domain, and the address a notification named is rebuilt exactly. */
class TaggedAddressTest {

    @Test
    void anAddressSplitsAtItsFirstPlusAndIsRebuiltAsNamed() {
        assertThat(TaggedAddress.of("bob+shop@beta.test")).isEqualTo(new TaggedAddress("bob@beta.test", "shop"));
        assertThat(TaggedAddress.of("bob+Shop+x@beta.test")).isEqualTo(new TaggedAddress("bob@beta.test", "Shop+x"));
        assertThat(TaggedAddress.address("bob@beta.test", "Shop+x")).isEqualTo("bob+Shop+x@beta.test");
        assertThat(TaggedAddress.address("bob@beta.test", null)).isEqualTo("bob@beta.test");
    }

    @Test
    void anAddressWithoutATagIsItsOwnBase() {
        assertThat(TaggedAddress.of("bob@beta.test")).isEqualTo(new TaggedAddress("bob@beta.test", null));
        assertThat(TaggedAddress.of("+shop@beta.test").tag()).isNull();
        assertThat(TaggedAddress.of("bob+@beta.test").tag()).isNull();
    }
}
