package org.pullmail.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The simulation's figures, from the labels given when each message was generated and what each inbox showed:
 * fetched at once (in the mailbox, nobody decided), held (shown as a request), or never arrived (refused at
 * intake, or lost). Copies of messages the sender's own outbox refused are left out and counted apart.
 */
final class Figures {

    /** Wanted mail held, at most 0.1 %; unwanted mail fetched without a decision, at most 1 %, from bad domains none. */
    static final double WANTED_HELD_TARGET = 0.001;
    static final double UNWANTED_FETCHED_TARGET = 0.01;

    private Figures() {
    }

    static Map<String, Object> of(List<Mail> mails) {
        List<Delivery> all = new ArrayList<>();
        long notSent = 0;
        long sent = 0;
        for (Mail mail : mails) {
            if (mail.sentWall == null) {
                continue;
            }
            if (mail.sendFailure != null) {
                notSent++;
                continue;
            }
            sent++;
            all.addAll(mail.deliveries.values());
        }
        Map<String, Object> f = new LinkedHashMap<>();

        List<Delivery> wantedKnown = only(all, d -> d.mail.wanted() && !d.firstContact);
        long wantedHeld = count(wantedKnown, d -> d.held);
        long wantedNever = count(wantedKnown, Delivery::neverArrived);
        double wantedHeldRate = rate(wantedHeld + wantedNever, wantedKnown.size());
        f.put("wanted_held_rate", round6(wantedHeldRate));
        f.put("wanted_held_rate_target", WANTED_HELD_TARGET);
        f.put("wanted_held_rate_verdict", wantedHeldRate <= WANTED_HELD_TARGET ? "met" : "missed");
        f.put("wanted_not_first_contact", wantedKnown.size());
        f.put("wanted_held", wantedHeld);
        f.put("wanted_never_arrived", wantedNever);

        List<Delivery> first = only(all, d -> d.firstContact);
        long firstHeld = count(first, d -> d.held);
        f.put("first_contacts", first.size());
        f.put("first_contact_held_rate", round6(rate(firstHeld, first.size())));
        f.put("first_contact_fetched_at_once", count(first, Delivery::fetchedAtOnce));
        f.put("first_contact_never_arrived", count(first, Delivery::neverArrived));
        List<Double> decisionHours = new ArrayList<>();
        List<Double> decisionSeconds = new ArrayList<>();
        for (Delivery d : first) {
            if ("accepted".equals(d.decision)) {
                decisionHours.add(d.decidedHours - d.mail.sentHours);
                decisionSeconds.add(Duration.between(d.mail.sentWall, d.decidedWall).toMillis() / 1000.0);
            }
        }
        f.put("first_contact_decided", decisionHours.size());
        f.put("first_contact_decision_median_simulated_hours", round2(median(decisionHours)));
        f.put("first_contact_decision_median_wall_s", round2(median(decisionSeconds)));

        List<Delivery> unwanted = only(all, d -> !d.mail.wanted());
        long unwantedFetched = count(unwanted, Delivery::fetchedAtOnce);
        double unwantedRate = rate(unwantedFetched, unwanted.size());
        f.put("unwanted_fetched_rate", round6(unwantedRate));
        f.put("unwanted_fetched_rate_target", UNWANTED_FETCHED_TARGET);
        f.put("unwanted_fetched_rate_verdict", unwantedRate <= UNWANTED_FETCHED_TARGET ? "met" : "missed");
        f.put("unwanted", unwanted.size());
        f.put("unwanted_fetched", unwantedFetched);
        f.put("unwanted_held", count(unwanted, d -> d.held));
        f.put("unwanted_refused_at_intake", count(unwanted, Delivery::neverArrived));
        List<Delivery> bad = only(unwanted, d -> d.mail.category == Mail.Category.SPAM_CAMPAIGN);
        long badFetched = count(bad, Delivery::fetchedAtOnce);
        f.put("bad_domain_fetched_rate", round6(rate(badFetched, bad.size())));
        f.put("bad_domain_fetched_rate_target", 0);
        f.put("bad_domain_fetched_rate_verdict", badFetched == 0 ? "met" : "missed");
        List<Delivery> hijacked = only(unwanted, d -> d.mail.category == Mail.Category.COMPROMISED_SPAM);
        f.put("compromised_account_fetched_rate", round6(rate(count(hijacked, Delivery::fetchedAtOnce), hijacked.size())));

        List<Double> toMailbox = new ArrayList<>();
        List<Double> atOnce = new ArrayList<>();
        for (Delivery d : only(all, d -> d.mail.wanted() && d.inMailbox())) {
            double ms = Duration.between(d.mail.sentWall, d.storedAt).toNanos() / 1e6;
            toMailbox.add(ms);
            if (d.fetchedAtOnce()) {
                atOnce.add(ms);
            }
        }
        f.put("wanted_send_to_mailbox_median_wall_s", round2(median(toMailbox) / 1000));
        f.put("wanted_fetched_at_once_send_to_mailbox_p50_ms", round2(percentile(atOnce, 50)));
        f.put("wanted_fetched_at_once_send_to_mailbox_p99_ms", round2(percentile(atOnce, 99)));

        f.put("messages", sent);
        f.put("deliveries", all.size());
        f.put("messages_the_sender_outbox_refused", notSent);
        Map<String, Object> categories = new LinkedHashMap<>();
        for (Mail.Category category : Mail.Category.values()) {
            List<Delivery> in = only(all, d -> d.mail.category == category);
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("wanted", category.wanted);
            c.put("messages", mails.stream().filter(m -> m.category == category && m.sentWall != null
                    && m.sendFailure == null).count());
            c.put("deliveries", in.size());
            c.put("first_contacts", count(in, d -> d.firstContact));
            c.put("fetched_at_once", count(in, Delivery::fetchedAtOnce));
            c.put("held", count(in, d -> d.held));
            c.put("never_arrived", count(in, Delivery::neverArrived));
            c.put("held_not_first_contact", count(in, d -> !d.firstContact && (d.held || d.neverArrived())));
            categories.put(category.key, c);
        }
        f.put("categories", categories);
        List<String> examples = new ArrayList<>();
        for (Delivery d : wantedKnown) {
            if ((d.held || d.neverArrived()) && examples.size() < 12) {
                examples.add(d.mail.category.key + ": " + d.mail.from + " to " + d.addressedTo + ", \"" + d.mail.subject()
                        + "\" (" + d.tie + "), " + (d.held ? "held (rule: " + d.heldBy + ")"
                        : "never arrived" + (d.intake == null ? "" : " (" + d.intake + ")")));
            }
        }
        f.put("wanted_held_examples", examples);
        Map<String, Long> byTie = new LinkedHashMap<>();
        for (Delivery d : wantedKnown) {
            if (d.held || d.neverArrived()) {
                byTie.merge(d.tie, 1L, Long::sum);
            }
        }
        f.put("wanted_held_by_tie", byTie);
        return f;
    }

    private static List<Delivery> only(List<Delivery> deliveries, Predicate<Delivery> which) {
        return deliveries.stream().filter(which).toList();
    }

    private static long count(List<Delivery> deliveries, Predicate<Delivery> which) {
        return deliveries.stream().filter(which).count();
    }

    private static double rate(long part, long whole) {
        return whole == 0 ? 0 : (double) part / whole;
    }

    static double median(List<Double> values) {
        return percentile(values, 50);
    }

    static double percentile(List<Double> values, int p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        if (p == 50 && sorted.size() % 2 == 0) {
            return (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static double round2(double v) {
        return Double.isNaN(v) ? -1 : Math.round(v * 100) / 100.0;
    }

    private static double round6(double v) {
        return Math.round(v * 1_000_000) / 1_000_000.0;
    }
}
