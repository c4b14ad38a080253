package io.tailwater.snapshot;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotStatusTest {
    private static final long HOUR = 3_600_000;

    @Test
    void aSnapshotThatKeepsUpHasNoWarning() {
        String lines = new SnapshotStatus(100, 500, 490, 1, 6 * HOUR, 495, 2_000).render();
        assertThat(lines).isEqualTo("log first offset: 100 (retention PT6H)\n"
                + "snapshot: watermark at log offset 490, 9 record(s) behind the log end; compact RUNNING");
    }

    @Test
    void untakenRecordsOlderThanHalfTheRetentionWarnWithTheWayForward() {
        assertThat(new SnapshotStatus(100, 500, 200, 0, 6 * HOUR, 201, 3 * HOUR).render())
                .endsWith("compact NOT RUNNING\nsnapshot: WARNING: its oldest untaken record is 10800s old, over half the log's"
                        + " retention of 21600s: start 'tailwater compact' before retention removes records it has not taken");
        assertThat(new SnapshotStatus(100, 500, 200, 1, 6 * HOUR, 201, 4 * HOUR).render())
                .contains("WARNING: its oldest untaken record is 14400s old").contains("compact is falling behind");
    }

    @Test
    void noWarningWithUnlimitedRetentionHoweverOld() {
        assertThat(new SnapshotStatus(0, 500, 200, 0, -1, 201, 400 * HOUR).render())
                .isEqualTo("log first offset: 0 (unlimited retention)\n"
                        + "snapshot: watermark at log offset 200, 299 record(s) behind the log end; compact NOT RUNNING");
    }

    @Test
    void retentionPastWhatCompactTookIsBroken() {
        assertThat(new SnapshotStatus(300, 500, 200, 0, HOUR, 250, -1).render())
                .contains("\nsnapshot: BROKEN: retention removed log records compact had not taken (it took the log up to offset 250,"
                        + " the log starts at 300)").contains("new initial snapshot of the leader");
    }

    @Test
    void heartbeatsAfterTheWatermarkAreNotBroken() {
        // an idle leader: the watermark stays at the last transaction end while compact takes the heartbeats after it
        assertThat(new SnapshotStatus(300, 500, 200, 1, HOUR, 500, -1).render()).doesNotContain("BROKEN").doesNotContain("WARNING");
    }

    @Test
    void noSnapshotWithFiniteRetentionSaysItNeedsOne() {
        assertThat(new SnapshotStatus(0, 10, -1, 0, HOUR, -1, -1).render())
                .isEqualTo("log first offset: 0 (retention PT1H)\nsnapshot: none (a finite retention needs one!); 'tailwater compact' keeps one");
    }
}
