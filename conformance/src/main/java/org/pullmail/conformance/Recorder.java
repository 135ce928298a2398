package org.pullmail.conformance;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Collects results and prints each line as it comes, so that a user watching a slow run sees where it
 * stands. Also keeps what it needs to tell, at the end, whether the deployment failed to discover the
 * kit's peer domain (then every check past the key lookup fails the same way).
 */
final class Recorder {

    /** A refusal's answer when the deployment could not use the kit's discovery document. */
    private static final Set<String> PEER_UNKNOWN = Set.of("discovery-failed", "unknown-key");

    private record PeerDependent(boolean passed, String expected, String got) {
    }

    private final PrintStream out;
    private final List<Result> results = new ArrayList<>();
    private final List<PeerDependent> peerDependent = new ArrayList<>();

    Recorder(PrintStream out) {
        this.out = out;
    }

    synchronized Result add(Result result) {
        results.add(result);
        out.println(result.line());
        out.flush();
        return result;
    }

    Result pass(String section, String name) {
        return add(new Result(Result.Status.PASS, section, name, null));
    }

    Result fail(String section, String name, String detail) {
        return add(new Result(Result.Status.FAIL, section, name, detail));
    }

    Result warn(String section, String name, String detail) {
        return add(new Result(Result.Status.WARN, section, name, detail));
    }

    Result skip(String section, String name, String why) {
        return add(new Result(Result.Status.SKIP, section, name, why));
    }

    /** PASS when {@code ok}, else FAIL with {@code failure}. */
    Result check(String section, String name, boolean ok, String failure) {
        return ok ? pass(section, name) : fail(section, name, failure);
    }

    /** A line that is not a result: a hint or what the kit waits for. */
    synchronized void say(String line) {
        out.println(line);
        out.flush();
    }

    /**
     * Expects a refusal: this status, this PMP/1 problem type, and a complete problem document (section 7).
     *
     * @param afterKeyLookup true when the deployment must have looked up the kit's key to get this far
     */
    Result refusal(String section, String name, Answer answer, int status, String slug, boolean afterKeyLookup) {
        String expected = status + " " + slug;
        Optional<String> got = answer.slug();
        boolean right = answer.answered() && answer.status() == status && got.isPresent() && got.get().equals(slug);
        if (afterKeyLookup) {
            remember(right, slug, got.orElse(""));
        }
        if (!right) {
            return fail(section, name, "expected " + expected + ", got " + answer.describe());
        }
        Optional<String> defect = answer.problemShapeDefect();
        if (defect.isPresent()) {
            return fail(section, name, "expected " + expected + " as a complete problem (§7), got " + defect.get());
        }
        return pass(section, name);
    }

    /** A refusal the deployment can only reach after looking up the kit's key. */
    Result refusal(String section, String name, Answer answer, int status, String slug) {
        return refusal(section, name, answer, status, slug, true);
    }

    /** Expects a success status; {@code afterKeyLookup} as for {@link #refusal}. */
    Result success(String section, String name, Answer answer, int status, boolean afterKeyLookup) {
        boolean right = answer.answered() && answer.status() == status;
        if (afterKeyLookup) {
            remember(right, Integer.toString(status), answer.slug().orElse(""));
        }
        return check(section, name, right, "expected " + status + ", got " + answer.describe());
    }

    /** Expects 204 No Content with no body; always after the key lookup. */
    Result noContent(String section, String name, Answer answer) {
        boolean right = answer.answered() && answer.status() == 204 && answer.body().length == 0;
        remember(right, "204", answer.slug().orElse(""));
        return check(section, name, right, answer.status() == 204
                ? "expected no body, got " + answer.body().length + " bytes" : "expected 204, got " + answer.describe());
    }

    private synchronized void remember(boolean passed, String expected, String got) {
        peerDependent.add(new PeerDependent(passed, expected, got));
    }

    /**
     * True when every check that needs the kit's key looked up failed, most of them because the deployment
     * could not discover the kit's domain or did not find its key: it lacks the static discovery entry.
     */
    synchronized boolean peerSeemsUnknown() {
        List<PeerDependent> relevant = peerDependent.stream().filter(p -> !p.expected().equals("unknown-key")).toList();
        long unknown = relevant.stream().filter(p -> PEER_UNKNOWN.contains(p.got())).count();
        return !relevant.isEmpty() && relevant.stream().noneMatch(PeerDependent::passed) && 2 * unknown > relevant.size();
    }

    synchronized Report report() {
        return new Report(results);
    }
}
