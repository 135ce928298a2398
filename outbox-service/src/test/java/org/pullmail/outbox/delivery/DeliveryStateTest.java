package org.pullmail.outbox.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.pullmail.outbox.delivery.DeliveryState.Report.APPLY;
import static org.pullmail.outbox.delivery.DeliveryState.Report.CONFLICT;
import static org.pullmail.outbox.delivery.DeliveryState.Report.REPEAT;
import static org.pullmail.protocol.StatusReport.Status.DECLINED;
import static org.pullmail.protocol.StatusReport.Status.SPAM;
import static org.pullmail.protocol.StatusReport.Status.STORED;

import org.junit.jupiter.api.Test;
import org.pullmail.protocol.StatusReport;

/** PROTOCOL.md 5: which reported status may follow which delivery state. */
class DeliveryStateTest {

    @Test
    void storedAndDeclinedAreAcceptedUntilTheMessageIsStored() {
        // failed too: an admin may resend a notification that gave up, and the recipient's domain may fetch
        // and report before the notifier's outcome arrives
        for (DeliveryState before : new DeliveryState[] {DeliveryState.QUEUED, DeliveryState.NOTIFIED,
                DeliveryState.FETCHED, DeliveryState.FAILED}) {
            assertThat(before.onReport(STORED)).as(before + " then stored").isEqualTo(APPLY);
            assertThat(before.onReport(DECLINED)).as(before + " then declined").isEqualTo(APPLY);
            assertThat(before.onReport(SPAM)).as(before + " then spam").isEqualTo(APPLY);
        }
    }

    @Test
    void storedMailCanBeReportedAsSpamButNotDeclined() {
        assertThat(DeliveryState.STORED.onReport(SPAM)).isEqualTo(APPLY);
        assertThat(DeliveryState.STORED.onReport(DECLINED)).isEqualTo(CONFLICT);
        assertThat(DeliveryState.STORED.onReport(STORED)).isEqualTo(REPEAT);
    }

    @Test
    void nothingButSpamFollowsADeclineAndNothingFollowsSpam() {
        assertThat(DeliveryState.DECLINED.onReport(SPAM)).isEqualTo(APPLY);
        assertThat(DeliveryState.DECLINED.onReport(STORED)).isEqualTo(CONFLICT);
        assertThat(DeliveryState.DECLINED.onReport(DECLINED)).isEqualTo(REPEAT);
        assertThat(DeliveryState.SPAM.onReport(STORED)).isEqualTo(CONFLICT);
        assertThat(DeliveryState.SPAM.onReport(DECLINED)).isEqualTo(CONFLICT);
        assertThat(DeliveryState.SPAM.onReport(SPAM)).isEqualTo(REPEAT);
    }

    @Test
    void recalledAndExpiredDeliveriesTakeNoStatus() {
        for (DeliveryState end : new DeliveryState[] {DeliveryState.RECALLED, DeliveryState.EXPIRED}) {
            for (var status : new StatusReport.Status[] {STORED, DECLINED, SPAM}) {
                assertThat(end.onReport(status)).as(end + " then " + status).isEqualTo(CONFLICT);
            }
        }
    }
}
