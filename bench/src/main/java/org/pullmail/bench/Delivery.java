package org.pullmail.bench;

import java.time.Instant;

/**
 * One copy of a generated message, to one mailbox: its label (from the {@link Mail}), whether it is a true first
 * contact for that person, and what their inbox showed of it.
 */
final class Delivery {

    final Mail mail;
    final Person recipient;
    /** The address the copy was sent to: the person's own, or one of their tagged addresses. */
    final String addressedTo;
    /** Nothing tied the recipient to the sender when it was sent (see {@link Month#tie}). */
    final boolean firstContact;
    /** What tied them, null for nothing. */
    final String tie;

    /** For mail from a fake sender domain: the receipt's outcome for this recipient, or the refusal's status. */
    volatile String intake;
    /** It waited as a request for the person's decision, and the rule that held it. */
    volatile boolean held;
    volatile String heldBy;
    /** The person's decision: accepted, declined as spam, or reported as spam after it was fetched. */
    volatile String decision;
    volatile double decidedHours = Double.NaN;
    volatile Instant decidedWall;
    /** It is in the mailbox: when the inbox stored it, and its inbox id. */
    volatile Instant storedAt;
    volatile String inboxId;

    Delivery(Mail mail, Person recipient, String addressedTo, boolean firstContact, String tie) {
        this.mail = mail;
        this.recipient = recipient;
        this.addressedTo = addressedTo;
        this.firstContact = firstContact;
        this.tie = tie;
    }

    boolean inMailbox() {
        return storedAt != null;
    }

    /** Fetched into the mailbox without anyone deciding. */
    boolean fetchedAtOnce() {
        return inMailbox() && !held;
    }

    /** Neither in the mailbox nor ever shown as a request: refused at intake, or lost. */
    boolean neverArrived() {
        return !inMailbox() && !held;
    }

    void decided(String what, double hours) {
        decision = what;
        decidedHours = hours;
        decidedWall = Instant.now();
    }
}
