package org.pullmail.bench;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import org.pullmail.testing.PeerDomains;

import tools.jackson.databind.JsonNode;

/**
 * Pull mail's false positives, measured (issue 16): a realistic mail month of three real Pullmail domains and
 * 36 people, with fake sender domains for newsletters, cold first contacts and spam campaigns, compressed into
 * minutes on this machine. Every message is labelled wanted or unwanted when it is generated, and the figures
 * compare the labels with what each person's inbox showed. Writes the "simulation" part of bench/results.json
 * and its section of bench/RESULTS.md. Everything runs on 127.0.0.1, bounded in count and time.
 */
public final class MailMonth {

    private MailMonth() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        SimulationSettings settings = SimulationSettings.fromEnvironment();
        long started = System.nanoTime();
        String machine = Runtime.getRuntime().availableProcessors() + " cores, " + Benchmark.memoryGiB() + " GiB";
        log("machine: " + machine + "; " + settings);
        PeerDomains fakes = new PeerDomains(Month.fakeDomains().toArray(String[]::new));
        SimulatedDomains domains = new SimulatedDomains(root, root.resolve("bench/.state/simulation"));
        // an interrupted run (Ctrl-C) stops its domains too
        Thread stopDomains = new Thread(domains::close);
        Runtime.getRuntime().addShutdownHook(stopDomains);
        Map<String, Object> figures;
        try {
            domains.start(fakes);
            double startup = secondsSince(started);
            fakes.knowDomains(SimulatedDomains.urls());
            Town town = Town.create(domains, new Random(settings.seed()));
            log("the town: " + town.people.size() + " people in " + SimulatedDomains.DOMAINS + ", start-up " + startup + " s");
            Month month = new Month(settings, town, fakes);
            long monthStarted = System.nanoTime();
            month.run();
            double monthSeconds = secondsSince(monthStarted);
            long correspondents = countCorrespondents(town);
            figures = Figures.of(month.mails);
            if (correspondents >= 0) {
                figures.put("learned_correspondents_listed", correspondents);
            }
            figures.put("date", LocalDate.now().toString());
            figures.put("machine", machine);
            figures.put("setting", String.format("three Pullmail domains (%s) and %d fake sender domains, %d people, "
                            + "%d simulated days in %.0f s (a day every %s s; seed %d; each person looks at their mail every "
                            + "%s simulated hours from 07:00 to 22:00).", String.join(", ", SimulatedDomains.DOMAINS),
                    fakes.domains().size(), town.people.size(), settings.days(), settings.wallSeconds(settings.days() * 24.0),
                    Figures.round2(settings.secondsPerDay()), settings.seed(), Figures.round2(settings.checkHours())));
            figures.put("seed", settings.seed());
            figures.put("simulated_days", settings.days());
            figures.put("seconds_per_simulated_day", settings.secondsPerDay());
            figures.put("check_every_simulated_hours", settings.checkHours());
            figures.put("people", town.people.size());
            figures.put("build_s", buildSeconds());
            figures.put("startup_s", startup);
            figures.put("month_wall_s", Figures.round2(monthSeconds));
            figures.put("late_tasks", month.lateTasks.get() + " of " + month.tasks.get()
                    + " scheduled tasks ran more than 1 s late, the latest by " + month.maxLateMillis.get() + " ms; "
                    + month.looks.get() + " looks at a mailbox took " + Figures.round2(month.lookNanos.get() / 1e6
                    / Math.max(1, month.looks.get())) + " ms each on average");
            figures.put("features_present", List.copyOf(new TreeSet<>(SimulationApi.present())));
            figures.put("features_missing", List.copyOf(new TreeSet<>(SimulationApi.missing())));
        } finally {
            fakes.close();
            domains.close();
            try {
                Runtime.getRuntime().removeShutdownHook(stopDomains);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway, and does nothing now
            }
        }
        double total = secondsSince(started) + buildSeconds();
        figures.put("command_wall_s", Figures.round2(total));
        log("figures: " + figures);
        if (settings.record()) {
            SimulationRecord.write(root, figures);
            log("wrote the \"simulation\" part of bench/results.json and its section of bench/RESULTS.md");
        } else {
            log("SIM_RECORD=0: nothing recorded");
        }
    }

    /**
     * Lists each person's learned correspondents, where the endpoint exists, so the run shows the feature at work:
     * how many entries all lists hold together, or -1 without the endpoint.
     */
    private static long countCorrespondents(Town town) {
        long listed = 0;
        for (Person person : town.people) {
            SimulationApi.Answer answer = person.get("/api/v1/inbox/correspondents");
            if (!SimulationApi.feature("learned correspondents (GET /api/v1/inbox/correspondents)", answer)) {
                return -1;
            }
            JsonNode json = answer.json();
            for (JsonNode value : json.isArray() ? List.of(json) : json.values()) {
                if (value.isArray()) {
                    listed += value.size();
                    break;
                }
            }
        }
        log("learned correspondents listed: " + listed);
        return listed;
    }

    /** The build's seconds, measured by bench/simulate before this program started. */
    private static double buildSeconds() {
        String build = System.getenv("SIM_BUILD_SECONDS");
        return build == null || build.isBlank() ? 0 : Double.parseDouble(build);
    }

    private static double secondsSince(long nanos) {
        return Figures.round2((System.nanoTime() - nanos) / 1e9);
    }

    static void log(String line) {
        System.out.println("[simulate " + LocalTime.now().withNano(0) + "] " + line);
    }
}
