package org.pullmail.bench;

/** The compressed clock: simulated hours since the month began, one simulated day every {@code secondsPerDay}. */
final class SimClock {

    private final long start = System.nanoTime();
    private final double secondsPerDay;

    SimClock(double secondsPerDay) {
        this.secondsPerDay = secondsPerDay;
    }

    double hours() {
        return (System.nanoTime() - start) / 1e9 / secondsPerDay * 24;
    }

    /** Wall-clock milliseconds until the simulated hour {@code at} (0 when it has passed). */
    long millisUntil(double at) {
        double wall = at / 24 * secondsPerDay * 1000;
        return Math.max(0, Math.round(wall - (System.nanoTime() - start) / 1e6));
    }

    /** Wall-clock milliseconds the simulated hour {@code at} is already past. */
    long millisPast(double at) {
        double wall = at / 24 * secondsPerDay * 1000;
        return Math.max(0, Math.round((System.nanoTime() - start) / 1e6 - wall));
    }
}
