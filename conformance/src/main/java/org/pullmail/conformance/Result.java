package org.pullmail.conformance;

/**
 * The verdict on one requirement of PROTOCOL.md.
 *
 * @param section the PROTOCOL.md section that states the requirement, e.g. {@code "3.3"}
 * @param name    what was checked, stable across runs (tests look results up by it)
 * @param detail  for FAIL what was expected and what came, for WARN and SKIP why; null for PASS
 */
public record Result(Status status, String section, String name, String detail) {

    public enum Status {
        /** The deployment does what a MUST requires. */
        PASS,
        /** It does not. */
        FAIL,
        /** It does not do what a SHOULD recommends. */
        WARN,
        /** The kit could not check it; the detail says why. */
        SKIP
    }

    /** The line the kit prints, e.g. {@code FAIL §3.3 …: expected 400 digest-mismatch, got 200}. */
    public String line() {
        String head = status + " §" + section + " " + name;
        return switch (status) {
            case PASS -> head;
            case FAIL, WARN -> detail == null ? head : head + ": " + detail;
            case SKIP -> head + " (" + detail + ")";
        };
    }
}
