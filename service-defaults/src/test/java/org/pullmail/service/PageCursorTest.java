package org.pullmail.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class PageCursorTest {

    @Test
    void aCursorReadsBackAsTheEntryItNamed() {
        PageCursor timed = new PageCursor(Instant.parse("2026-11-30T10:00:00.123456Z"), "bob|odd@beta.test");
        assertThat(PageCursor.parse(timed.encode())).isEqualTo(timed);
        PageCursor named = new PageCursor(null, "carol@gamma.test");
        assertThat(PageCursor.parse(named.encode())).isEqualTo(named);
        assertThat(PageCursor.parse(null)).isNull();
        assertThat(PageCursor.parse("")).isNull();
    }

    @Test
    void aCursorNoListGaveAndALimitOutOfRangeAreBadRequests() {
        for (String bad : List.of("!!!", "bm8tYmFy", "bm90LWEtdGltZXxpZA")) { // "no-bar", "not-a-time|id"
            assertThatThrownBy(() -> PageCursor.parse(bad)).isInstanceOfSatisfying(ApiProblem.class,
                    p -> assertThat(p.status().value()).isEqualTo(400));
        }
        assertThatThrownBy(() -> PageCursor.fetch(0)).isInstanceOf(ApiProblem.class);
        assertThat(PageCursor.fetch(PageCursor.MAX_LIMIT + 500)).as("served as the most a page holds")
                .isEqualTo(PageCursor.MAX_LIMIT + 1);
        assertThat(PageCursor.fetch(50)).isEqualTo(51);
        // times no list holds (the database could not even compare them) and ids that are not the list's
        for (String time : List.of("+294277-01-01T00:00:00Z", "-1000000000-01-01T00:00:00Z", "1969-12-31T23:59:59Z")) {
            String text = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((time + "|" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> PageCursor.parse(text)).as(time).isInstanceOf(ApiProblem.class);
        }
        assertThatThrownBy(() -> PageCursor.parseTimed(new PageCursor(null, UUID.randomUUID().toString()).encode()))
                .isInstanceOf(ApiProblem.class);
        assertThatThrownBy(() -> PageCursor.parseTimed(new PageCursor(Instant.EPOCH, "not-a-uuid").encode()))
                .isInstanceOf(ApiProblem.class);
        UUID id = UUID.randomUUID();
        assertThat(PageCursor.parseTimed(PageCursor.after(Instant.EPOCH, id).encode()).uuid()).isEqualTo(id);
    }

    @Test
    void aPageKeepsTheLimitAndNamesTheNextOnlyWhenMoreFollow() {
        List<Integer> rows = IntStream.rangeClosed(1, 4).boxed().toList();
        PageCursor.Page<String> first = PageCursor.page(rows, 3, r -> new PageCursor(null, "id" + r), r -> "e" + r);
        assertThat(first.entries()).containsExactly("e1", "e2", "e3");
        assertThat(PageCursor.parse(first.next()).id()).isEqualTo("id3");
        PageCursor.Page<String> last = PageCursor.page(rows.subList(0, 3), 3, r -> new PageCursor(null, "id" + r),
                r -> "e" + r);
        assertThat(last.entries()).hasSize(3);
        assertThat(last.next()).isNull();
    }
}
