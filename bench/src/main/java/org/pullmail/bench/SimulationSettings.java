package org.pullmail.bench;

/**
 * How the month is simulated, from the environment: {@code SIM_SEED} (the random generator's seed, so a run
 * repeats), {@code SIM_DAYS} (30), {@code SIM_SECONDS_PER_DAY} (wall-clock seconds one simulated day takes, 7),
 * {@code SIM_CHECK_HOURS} (how often, in simulated hours, each person looks at their mail while awake, 4) and
 * {@code SIM_RECORD=0} (run without writing bench/results.json and bench/RESULTS.md, for trying things out).
 */
record SimulationSettings(long seed, int days, double secondsPerDay, double checkHours, boolean record) {

    static SimulationSettings fromEnvironment() {
        SimulationSettings settings = new SimulationSettings(Long.parseLong(env("SIM_SEED", "16")),
                Integer.parseInt(env("SIM_DAYS", "30")), Double.parseDouble(env("SIM_SECONDS_PER_DAY", "7")),
                Double.parseDouble(env("SIM_CHECK_HOURS", "4")), !"0".equals(env("SIM_RECORD", "1")));
        if (settings.days() < 1 || settings.days() > 60 || settings.secondsPerDay() < 1 || settings.checkHours() <= 0) {
            throw new IllegalArgumentException("SIM_DAYS is 1 to 60, SIM_SECONDS_PER_DAY at least 1, SIM_CHECK_HOURS above 0");
        }
        return settings;
    }

    /** Wall-clock seconds of a span of simulated hours. */
    double wallSeconds(double hours) {
        return hours / 24 * secondsPerDay;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }
}
