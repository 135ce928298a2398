package org.pullmail.inbox;

import java.time.Duration;
import java.time.LocalTime;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.format.annotation.DateTimeFormat;

/**
 * @param pollInterval    how often fetch and status jobs are looked for
 * @param retryInitial    first retry delay of a failed fetch or status report; doubles, with jitter
 * @param retryMax        longest delay between attempts
 * @param maxMessageBytes largest message this domain fetches
 * @param requestLifetime how long a request waits for the user before it expires
 * @param reputation      when a sender domain counts as good, and when it is refused
 * @param bulk            when the same message to many local users counts as bulk
 * @param limits          intake limits, shared by all replicas through the database
 * @param jobs            how many fetch and status jobs run at once, in all and per sender domain
 * @param intake          how notifications are stored: in batches, one transaction for many
 * @param correspondents  how long whom a user wrote to is fetched at once
 * @param replies         how long a reply to a user's own mail is fetched at once
 * @param digest          when each mailbox's daily digest of waiting requests is made
 */
@ConfigurationProperties("pullmail.inbox")
public record InboxProperties(@DefaultValue("PT0.2S") Duration pollInterval,
        @DefaultValue("PT2S") Duration retryInitial,
        @DefaultValue("PT10M") Duration retryMax,
        @DefaultValue("26214400") long maxMessageBytes,
        @DefaultValue("P14D") Duration requestLifetime,
        @DefaultValue Reputation reputation,
        @DefaultValue Bulk bulk,
        @DefaultValue Limits limits,
        @DefaultValue Jobs jobs,
        @DefaultValue Intake intake,
        @DefaultValue Correspondents correspondents,
        @DefaultValue Replies replies,
        @DefaultValue Digest digest) {

    /** @param learnedFor how long after the user's latest message to them a correspondent is fetched at once */
    public record Correspondents(@DefaultValue("P180D") Duration learnedFor) {
    }

    /** @param window a reply to a message the user sent longer ago than this waits like a stranger's mail */
    public record Replies(@DefaultValue("P90D") Duration window) {
    }

    /**
     * @param at            the time of day (UTC) of the digest, {@code HH:mm} or {@code HH:mm:ss}: it counts the
     *                      requests waiting then
     * @param checkInterval how often a replica looks whether today's digests are due, the first time one interval
     *                      after it starts
     */
    public record Digest(@DefaultValue("08:00") @DateTimeFormat(pattern = "HH:mm[:ss]") LocalTime at,
            @DefaultValue("PT1M") Duration checkInterval) {
    }

    /**
     * @param batch        most notifications stored in one transaction
     * @param writers      batches written at once; while one commits, the next gathers, so one writer makes the
     *                     largest batches (more only wait for the same counters' rows)
     * @param waiting      verified notifications waiting for a batch; beyond them intake answers 503
     * @param answerWithin longest wait for a batch's commit before a request is answered 503
     * @param linger       longest a batch waits for notifications being verified at that moment to join it
     */
    public record Intake(@DefaultValue("64") int batch, @DefaultValue("1") int writers,
            @DefaultValue("4096") int waiting, @DefaultValue("PT10S") Duration answerWithin,
            @DefaultValue("PT0.002S") Duration linger) {
    }

    /**
     * @param workers   fetches and status reports in progress at once, each on its own worker
     * @param perDomain of those, one sender domain's share: a domain may borrow idle workers beyond it while
     *                  half of them stay free, so a slow domain holds at most half the workers and its other
     *                  jobs wait while other domains' go
     */
    // a fetch holds one chunk of its message in memory (256 KiB), and a database connection only while it
    // writes one, so sixteen fit the heap and the pool
    public record Jobs(@DefaultValue("16") int workers, @DefaultValue("4") int perDomain) {
    }

    /**
     * @param minNotifications a domain is judged only after this many notifications
     * @param refuseBelow      a judged domain whose fetch ratio stays under this is refused
     * @param goodAbove        a judged domain whose fetch ratio is at least this counts as reputable
     */
    public record Reputation(@DefaultValue("20") int minNotifications, @DefaultValue("0.05") double refuseBelow,
            @DefaultValue("0.5") double goodAbove) {
    }

    /** @param recipients this many distinct local recipients of one digest within the window make it bulk */
    public record Bulk(@DefaultValue("10") int recipients, @DefaultValue("PT1H") Duration window) {
    }

    /**
     * @param perSenderDomain    notifications per minute from one sender domain
     * @param perSenderIp        notifications per minute from one client address
     * @param perRecipient       notifications per minute to one local mailbox
     * @param pendingPerRecipient requests a mailbox may have waiting before further strangers get 429
     * @param window             the counting window of the three rates (they are "per window")
     */
    public record Limits(@DefaultValue("600") int perSenderDomain, @DefaultValue("1200") int perSenderIp,
            @DefaultValue("120") int perRecipient, @DefaultValue("1000") int pendingPerRecipient,
            @DefaultValue("PT1M") Duration window) {
    }
}
