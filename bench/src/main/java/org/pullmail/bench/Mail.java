package org.pullmail.bench;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One generated message, labelled when it is generated: its category and whether a person would want it. The
 * subject ends in the message's number ({@code [m0042]}), which is how the simulation recognises it in a
 * mailbox or among the requests (both show the subject). A message may be answered: {@link #replies} says who
 * answers it, in turn, as the thread goes on.
 */
final class Mail {

    enum Category {
        /** mail between people of one domain */
        COLLEAGUE("colleague", true),
        /** a thread with someone of another real domain: the first message, the replies, and so on */
        THREAD("external_thread", true),
        /** A writes to B, Cc C (a stranger to A); C answers all */
        CC_REPLY("cc_reply", true),
        /** A writes to B; B answers, Cc C; C (whom A never wrote to) answers all */
        CC_BY_RECIPIENT("cc_by_recipient_reply", true),
        /** newsletters the person subscribed to, at a tagged address where tags exist */
        NEWSLETTER("newsletter", true),
        /** a new sender of another organisation writing once, wanted */
        COLD_CONTACT("cold_first_contact", true),
        /** campaigns of bad domains */
        SPAM_CAMPAIGN("bad_domain_spam", false),
        /** a compromised account of gamma.test writing to people it never wrote to */
        COMPROMISED_SPAM("compromised_account_spam", false);

        final String key;
        final boolean wanted;

        Category(String key, boolean wanted) {
            this.key = key;
            this.wanted = wanted;
        }
    }

    /** Who answers a message, whether to all, and whom they add in Cc. */
    record Reply(Person by, boolean toAll, Person addCc) {

        static Reply by(Person person) {
            return new Reply(person, false, null);
        }
    }

    private static final Pattern NUMBER = Pattern.compile("\\[m(\\d+)]\\s*$");

    final int number;
    final Category category;
    final String from;
    final List<String> to;
    final List<String> cc;
    final List<String> bcc;
    /** The subject without "Re: " and the number. */
    final String topic;
    final String text;
    /** The message this one answers, null for a first message. */
    final Mail answers;
    /** Who answers this message, then who answers that answer, and so on. */
    final List<Reply> replies;

    /** The Message-ID, once a recipient read it from their copy. */
    volatile String messageId;
    /** Its References, oldest first, as a recipient read them. */
    volatile List<String> references = List.of();
    volatile double sentHours = Double.NaN;
    volatile Instant sentWall;
    /** The outbox's id of a message sent by a real user, or the reason it was not sent. */
    volatile String outboxId;
    volatile String sendFailure;
    /** Each copy, by the recipient's address. */
    final Map<String, Delivery> deliveries = new ConcurrentHashMap<>();
    /** Its answer was planned once, whichever look at the mailbox found it first. */
    final AtomicBoolean answered = new AtomicBoolean();

    Mail(int number, Category category, String from, List<String> to, List<String> cc, List<String> bcc, String topic,
            String text, Mail answers, List<Reply> replies) {
        this.number = number;
        this.category = category;
        this.from = from;
        this.to = List.copyOf(to);
        this.cc = List.copyOf(cc);
        this.bcc = List.copyOf(bcc);
        this.topic = topic;
        this.text = text;
        this.answers = answers;
        this.replies = List.copyOf(replies);
    }

    boolean wanted() {
        return category.wanted;
    }

    String subject() {
        return (answers == null ? "" : "Re: ") + topic + " [m" + String.format("%04d", number) + "]";
    }

    /** The number in a subject as a mailbox or a request shows it, or -1. */
    static int numberIn(String subject) {
        if (subject == null) {
            return -1;
        }
        Matcher m = NUMBER.matcher(subject);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** The person sent this message or one it answers, directly or further up the thread. */
    boolean inThreadOf(String address) {
        for (Mail m = answers; m != null; m = m.answers) {
            if (m.from.equals(address)) {
                return true;
            }
        }
        return false;
    }
}
