package org.pullmail.service;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Claiming work from a queue table in PostgreSQL, written once for every queue. A claimed row is leased:
 * its next attempt moves to the end of the lease, so that a crash leaves it to be retried then, and its
 * attempts are counted. Rows are claimed with {@code FOR UPDATE SKIP LOCKED}, so any number of replicas
 * share a queue without a coordinator. Table, column and condition texts are the caller's constants,
 * never input.
 *
 * @param table        the queue's table
 * @param idType       the SQL type of its {@code id} column ({@code uuid}, {@code bigint})
 * @param nextAttempt  the column holding when a row is due
 * @param attempts     the column counting attempts
 */
public record QueueLease(String table, String idType, String nextAttempt, String attempts) {

    /**
     * Claims and leases up to {@code limit} due rows in one statement ({@code UPDATE … WHERE id IN (SELECT
     * … FOR UPDATE SKIP LOCKED) RETURNING}); {@code returning} names what to read back, where
     * {@code attempts} already counts this attempt. {@code dueParams} fill the {@code ?} of {@code due}.
     */
    public <T> List<T> claim(JdbcClient jdbc, String due, String order, int limit, Instant leaseUntil, String returning,
            RowMapper<T> rows, Object... dueParams) {
        List<Object> params = new ArrayList<>();
        params.add(Timestamp.from(leaseUntil));
        params.addAll(List.of(dueParams));
        params.add(limit);
        return jdbc.sql("UPDATE " + table + " SET " + nextAttempt + " = ?, " + attempts + " = " + attempts + " + 1"
                + " WHERE id IN (SELECT id FROM " + table + " WHERE " + due + " ORDER BY " + order
                + " LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING " + returning)
                .params(params).query(rows).list();
    }

    /**
     * Leases rows the caller's transaction has already locked (a claim that chose among candidates), each
     * until its own time, in one statement.
     */
    public void lease(JdbcClient jdbc, Map<?, Instant> until) {
        if (until.isEmpty()) {
            return;
        }
        jdbc.sql("UPDATE " + table + " t SET " + nextAttempt + " = u.until, " + attempts + " = t." + attempts + " + 1"
                + " FROM unnest(?::text[], ?::timestamptz[]) AS u (id, until) WHERE t.id = u.id::" + idType)
                .params(until.keySet().stream().map(String::valueOf).toArray(String[]::new),
                        until.values().stream().map(Instant::toString).toArray(String[]::new))
                .update();
    }
}
