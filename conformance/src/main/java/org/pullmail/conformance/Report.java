package org.pullmail.conformance;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/** Every result of one run, in the order the checks ran. */
public final class Report {

    private final List<Result> results;

    Report(List<Result> results) {
        this.results = List.copyOf(results);
    }

    public List<Result> results() {
        return results;
    }

    /** True when no requirement failed (warnings and skips do not fail a run). */
    public boolean passed() {
        return count(Result.Status.FAIL) == 0;
    }

    public long count(Result.Status status) {
        return results.stream().filter(r -> r.status() == status).count();
    }

    /** The result of the check with this exact name, if it ran (or was skipped by name). */
    public Optional<Result> find(String name) {
        return results.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    /** The status of the check with this exact name. */
    public Result.Status status(String name) {
        return find(name).map(Result::status)
                .orElseThrow(() -> new NoSuchElementException("no check named \"" + name + "\" in " + names()));
    }

    /** The command's exit code: 0 when nothing failed, 1 otherwise. */
    public int exitCode() {
        return passed() ? 0 : 1;
    }

    public String summary() {
        return "summary: " + count(Result.Status.PASS) + " passed, " + count(Result.Status.FAIL) + " failed, "
                + count(Result.Status.WARN) + " warnings, " + count(Result.Status.SKIP) + " skipped";
    }

    private List<String> names() {
        return results.stream().map(Result::name).toList();
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        results.forEach(r -> text.append(r.line()).append('\n'));
        return text.append(summary()).toString();
    }
}
