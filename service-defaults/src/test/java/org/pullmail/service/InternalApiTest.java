package org.pullmail.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;

import org.junit.jupiter.api.Test;

class InternalApiTest {

    static final String SECRET = "0123456789abcdef0123456789abcdef";
    final InternalApi internal = new InternalApi(SECRET);

    @Test
    void aCallCarriesTheSecretAndOnlyTheSecretIsAdmitted() {
        String authorization = internal.request(URI.create("http://inbox:8083/internal/v1/keys")).build().headers()
                .firstValue("Authorization").orElseThrow();
        assertThat(authorization).isEqualTo("Bearer " + SECRET);
        assertThat(internal.admits(authorization)).isTrue();
        assertThat(internal.admits("bearer " + SECRET)).as("the scheme's case does not matter").isTrue();

        assertThat(internal.admits(null)).isFalse();
        assertThat(internal.admits("")).isFalse();
        assertThat(internal.admits("Bearer ")).isFalse();
        assertThat(internal.admits(SECRET)).as("without the scheme").isFalse();
        assertThat(internal.admits("Basic " + SECRET)).isFalse();
        assertThat(internal.admits("Bearer " + SECRET.substring(1))).as("a prefix").isFalse();
        assertThat(internal.admits("Bearer " + SECRET + "0")).as("longer").isFalse();
        assertThat(internal.admits("Bearer " + SECRET.replace('f', 'F'))).isFalse();
    }

    @Test
    void aMissingBlankOrShortSecretIsRefusedNamingTheSetting() {
        for (String secret : new String[] {null, "", "   ", SECRET.substring(1)}) {
            assertThatThrownBy(() -> new InternalApi(secret)).isInstanceOf(InternalApi.InternalSecretException.class)
                    .hasMessageContaining("pullmail.internal-secret").hasMessageContaining("PULLMAIL_INTERNAL_SECRET")
                    .hasMessageNotContaining(SECRET.substring(1));
        }
        assertThat(new InternalApi(SECRET + "x").admits("Bearer " + SECRET + "x")).isTrue();
    }
}
