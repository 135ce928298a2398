package org.pullmail.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Records the simulation's figures beside the benchmark's: under the {@value #KEY} key of bench/results.json
 * (the benchmark's keys kept) and as a section of its own in bench/RESULTS.md, before "## Findings" (the
 * benchmark's table and the findings kept). {@code bench/run} keeps both in turn.
 */
final class SimulationRecord {

    static final String KEY = "simulation";
    static final String HEADING = "## False positives: a simulated mail month";
    private static final String FINDINGS = "## Findings";

    private SimulationRecord() {
    }

    static void write(Path root, Map<String, Object> figures) throws IOException {
        Path json = root.resolve("bench/results.json");
        JsonNode previous = Files.exists(json) ? SimulationApi.JSON.readTree(Files.readString(json)) : null;
        ObjectNode results = previous instanceof ObjectNode object ? object : SimulationApi.JSON.createObjectNode();
        results.set(KEY, SimulationApi.JSON.valueToTree(figures));
        Files.writeString(json, SimulationApi.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results) + "\n");

        Path md = root.resolve("bench/RESULTS.md");
        String text = Files.exists(md) ? Files.readString(md) : "# Benchmark results\n";
        Files.writeString(md, withSection(text, section(figures)));
    }

    /** {@code text} with the simulation's section replaced, or added before the findings (or at the end). */
    static String withSection(String text, String section) {
        int start = headingAt(text, HEADING);
        if (start >= 0) {
            int end = headingAt(text.substring(start + HEADING.length()), "## ");
            return text.substring(0, start) + section
                    + (end < 0 ? "" : "\n" + text.substring(start + HEADING.length() + end));
        }
        int findings = headingAt(text, FINDINGS);
        if (findings >= 0) {
            return text.substring(0, findings) + section + "\n" + text.substring(findings);
        }
        return text + (text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n") + section;
    }

    /** Where a line starting with {@code heading} begins, or -1. */
    static int headingAt(String text, String heading) {
        if (text.startsWith(heading)) {
            return 0;
        }
        int at = text.indexOf("\n" + heading);
        return at < 0 ? -1 : at + 1;
    }

    @SuppressWarnings("unchecked")
    static String section(Map<String, Object> f) {
        StringBuilder md = new StringBuilder();
        md.append(HEADING).append("\n\n");
        md.append("Recorded by `bench/simulate` on ").append(f.get("date")).append(", on a machine with ")
                .append(f.get("machine")).append(": ").append(f.get("setting")).append(" ").append(f.get("messages"))
                .append(" messages, ").append(f.get("deliveries")).append(" deliveries (a copy to one mailbox each). The command ")
                .append("took ").append(f.get("command_wall_s")).append(" s: build ").append(f.get("build_s"))
                .append(" s, start-up of the three domains ").append(f.get("startup_s")).append(" s, the month ")
                .append(f.get("month_wall_s")).append(" s.\n\n");
        md.append("| measure | figure | target | verdict |\n|---|---|---|---|\n");
        md.append("| `wanted_held_rate`: wanted mail held as a request (or never arrived), true first contacts left out | ")
                .append(percent(f.get("wanted_held_rate"))).append(" (").append(sum(f.get("wanted_held"), f.get("wanted_never_arrived")))
                .append(" of ").append(f.get("wanted_not_first_contact")).append(") | ≤ 0.1 % | ")
                .append(f.get("wanted_held_rate_verdict")).append(" |\n");
        md.append("| `first_contact_held_rate`: true first contacts held as a request | ")
                .append(percent(f.get("first_contact_held_rate"))).append(" of ").append(f.get("first_contacts"))
                .append(" | – | – |\n");
        md.append("| first contacts, median time from sending to the person's decision: simulated / wall clock | ")
                .append(f.get("first_contact_decision_median_simulated_hours")).append(" h / ")
                .append(f.get("first_contact_decision_median_wall_s")).append(" s (").append(f.get("first_contact_decided"))
                .append(" decided) | – | – |\n");
        md.append("| `unwanted_fetched_rate`: unwanted mail fetched without a person's decision | ")
                .append(percent(f.get("unwanted_fetched_rate"))).append(" (").append(f.get("unwanted_fetched")).append(" of ")
                .append(f.get("unwanted")).append(") | ≤ 1 % | ").append(f.get("unwanted_fetched_rate_verdict")).append(" |\n");
        md.append("| … of it from bad domains' campaigns | ").append(percent(f.get("bad_domain_fetched_rate")))
                .append(" | 0 | ").append(f.get("bad_domain_fetched_rate_verdict")).append(" |\n");
        md.append("| … of it from a compromised account of a good domain | ")
                .append(percent(f.get("compromised_account_fetched_rate"))).append(" | – | – |\n");
        md.append("| wanted mail, median time from sending to the mailbox, wall clock (held mail included) | ")
                .append(f.get("wanted_send_to_mailbox_median_wall_s")).append(" s | – | – |\n");
        md.append("| wanted mail fetched at once, send to mailbox p50 / p99, ms | ")
                .append(f.get("wanted_fetched_at_once_send_to_mailbox_p50_ms")).append(" / ")
                .append(f.get("wanted_fetched_at_once_send_to_mailbox_p99_ms")).append(" | – | – |\n\n");

        md.append("| category | wanted | messages | deliveries | true first contacts | fetched at once | held | never arrived |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        ((Map<String, Map<String, Object>>) f.get("categories")).forEach((name, c) -> md.append("| ").append(name)
                .append(" | ").append(Boolean.TRUE.equals(c.get("wanted")) ? "yes" : "no").append(" | ").append(c.get("messages"))
                .append(" | ").append(c.get("deliveries")).append(" | ").append(c.get("first_contacts")).append(" | ")
                .append(c.get("fetched_at_once")).append(" | ").append(c.get("held")).append(" | ")
                .append(c.get("never_arrived")).append(" |\n"));
        md.append("\nFeatures the run found answering: ").append(list(f.get("features_present")))
                .append(". Not there yet (the run went on without them): ").append(list(f.get("features_missing")))
                .append(". Unwanted mail refused at intake: ").append(f.get("unwanted_refused_at_intake"))
                .append(", held and declined: ").append(f.get("unwanted_held")).append(". Scheduling: ")
                .append(f.get("late_tasks")).append(".\n");
        List<String> examples = (List<String>) f.get("wanted_held_examples");
        if (!examples.isEmpty()) {
            md.append("\nWanted mail that waited, by what tied the recipient to the sender: ")
                    .append(f.get("wanted_held_by_tie")).append("; the first ").append(examples.size()).append(":\n\n");
            examples.forEach(e -> md.append("- ").append(e).append("\n"));
        }
        md.append("\nHow it was measured:\n\n");
        md.append("- Three real domains on this machine (`./pullmail demo` and `./pullmail up --domain gamma.test`, in "
                + "`bench/.state/simulation/`, default limits), each knowing the others and the fake sender domains "
                + "(`PeerDomains` of the testing module: they sign real notifications and serve the fetches) as peers. "
                + "Accounts are created through each domain's admin API; everything goes through the public API.\n");
        md.append("- Every message is labelled when it is generated (seeded: every run plans the same month; answers "
                + "follow what each inbox shows when, so a few counts differ between runs): its category, wanted or "
                + "not, and for each recipient whether it is a **true first contact**: nothing tied the recipient to the "
                + "sender when it was sent (not the same domain, never wrote to them or accepted their mail, no trust in "
                + "their domain by the person or their organisation, no subscription, and the message answers nothing "
                + "the recipient sent). The subject carries the message's number, which is how each copy is found in "
                + "the mailbox or among the requests.\n");
        md.append("- Fetched at once: in the mailbox without anyone deciding. Held: shown as a request. Never arrived: "
                + "neither (refused at intake). `wanted_held_rate` counts held and never arrived; copies of messages "
                + "the sender's own outbox refused are left out (").append(f.get("messages_the_sender_outbox_refused"))
                .append(" messages).\n");
        md.append("- People look at their mail every few simulated hours from 07:00 to 22:00: they accept wanted requests, "
                + "decline unwanted ones as spam (blocking a bad domain half of the time, a hijacked address now and then), "
                + "report fetched unwanted mail as spam, and answer as their thread says some simulated hours after "
                + "reading (`in_reply_to` and `references` read from their copy's raw bytes). After the month everyone "
                + "looks once more and decides what still waits. Times to the mailbox are the inbox's own `received_at` "
                + "against the moment of sending.\n");
        return md.toString();
    }

    private static String percent(Object fraction) {
        return fraction instanceof Number n ? String.format(Locale.ROOT, "%.2f %%", n.doubleValue() * 100) : "–";
    }

    private static long sum(Object a, Object b) {
        return ((Number) a).longValue() + ((Number) b).longValue();
    }

    private static String list(Object values) {
        return values instanceof List<?> l && !l.isEmpty() ? String.join("; ", l.stream().map(String::valueOf).toList()) : "none";
    }
}
