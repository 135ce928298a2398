package org.pullmail.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PmpTest {

    /** PROTOCOL.md 5.1: {fetch_url}/status appends /status to the path and keeps the query. */
    @ParameterizedTest
    @CsvSource({
            "https://alpha.test/pmp/v1/messages/0193b5e4, https://alpha.test/pmp/v1/messages/0193b5e4/status",
            "https://a.example/m/1?v=2,                   https://a.example/m/1/status?v=2",
            "https://a.example/m/1?v=2&w=%2F,             https://a.example/m/1/status?v=2&w=%2F",
            "https://a.example:8443/m/a%20b?,             https://a.example:8443/m/a%20b/status?",
            "https://a.example/m/1#part,                  https://a.example/m/1/status",
            "http://127.0.0.1:8081/pmp/v1/messages/x,     http://127.0.0.1:8081/pmp/v1/messages/x/status"})
    void statusUrlAppendsStatusToThePath(String fetchUrl, String statusUrl) {
        assertThat(Pmp.statusUrl(fetchUrl)).isEqualTo(statusUrl);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/pmp/v1/messages/x", "mailto:bob@beta.test", "not a url", ""})
    void statusUrlRefusesWhatIsNoFetchUrl(String fetchUrl) {
        assertThatThrownBy(() -> Pmp.statusUrl(fetchUrl)).isInstanceOf(IllegalArgumentException.class);
    }
}
