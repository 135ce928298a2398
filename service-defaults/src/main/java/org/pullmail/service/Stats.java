package org.pullmail.service;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Per-minute counts over the last hour, read from a service's own tables (no extra bookkeeping),
 * and point-in-time gauges: what the dashboard's overview charts.
 */
public final class Stats {

    /** One series: a count for each of the last {@code minutes} minutes, oldest first. */
    public record Series(String name, List<Long> counts) {
    }

    /** What a service reports: its series (ending at {@code until}) and its gauges. */
    public record Report(Instant until, int minutes, List<Series> series, Map<String, Long> gauges) {
    }

    private final JdbcClient jdbc;
    private final Instant until;
    private final int minutes;
    private final List<Series> series = new ArrayList<>();
    private final Map<String, Long> gauges = new LinkedHashMap<>();

    public Stats(JdbcClient jdbc, Instant now, int minutes) {
        this.jdbc = jdbc;
        this.until = now.truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES);
        this.minutes = Math.max(1, Math.min(minutes, 24 * 60));
    }

    /** Counts rows of {@code table} per minute of {@code column}, where {@code condition} holds. */
    public Stats series(String name, String table, String column, String condition) {
        Instant since = until.minus(minutes, ChronoUnit.MINUTES);
        long[] counts = new long[minutes];
        jdbc.sql("SELECT floor(extract(epoch FROM " + column + " - :since) / 60)::int AS slot, count(*) FROM " + table
                        + " WHERE " + column + " >= :since AND " + column + " < :until AND (" + condition + ") GROUP BY 1")
                .param("since", Timestamp.from(since)).param("until", Timestamp.from(until))
                .query((rs, n) -> new long[] {rs.getInt(1), rs.getLong(2)}).list()
                .forEach(row -> {
                    if (row[0] >= 0 && row[0] < minutes) {
                        counts[(int) row[0]] = row[1];
                    }
                });
        List<Long> list = new ArrayList<>();
        for (long c : counts) {
            list.add(c);
        }
        series.add(new Series(name, list));
        return this;
    }

    public Stats gauge(String name, String sql) {
        gauges.put(name, jdbc.sql(sql).query(Long.class).single());
        return this;
    }

    public Report report() {
        return new Report(until, minutes, series, gauges);
    }
}
