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

    /** PROTOCOL.md 3.3 step 1 and 5.2 step 1: exactly application/json, parameters allowed. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "application/json | true",
            "application/json; charset=utf-8 | true",
            "Application/JSON;charset=UTF-8 | true",
            "application/jsonx | false",
            "application/json-patch+json | false",
            "text/plain | false",
            "application/problem+json | false",
            "'' | false"})
    void isJsonAcceptsExactlyApplicationJson(String contentType, boolean json) {
        assertThat(Pmp.isJson(contentType)).as(contentType).isEqualTo(json);
        assertThat(Pmp.isJson(null)).isFalse();
    }
}
