package io.tailwater.capture;

import io.tailwater.schemas.event.Lsn;
import io.tailwater.schemas.event.SourcePosition;
import io.tailwater.schemas.event.TransactionEnd;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LeaderTimelineTest {
    /** A history file as PostgreSQL writes it for timeline 3: timeline 1 ended at 0/3000158, timeline 2 at 0/5000060. */
    private static final String HISTORY = "1\t0/3000158\tno recovery target specified\n\n2\t0/5000060\tno recovery target specified\n";

    @Test
    void theHistoryFileGivesWhereEachEarlierTimelineEnded() {
        assertThat(LeaderTimeline.parseHistory(HISTORY)).isEqualTo(Map.of(1, Lsn.parse("0/3000158"), 2, Lsn.parse("0/5000060")));
        assertThat(LeaderTimeline.parseHistory("")).isEmpty();
    }

    @Test
    void theSameTimelineContinuesWhereverTheLogEnds() {
        LeaderTimeline leader = new LeaderTimeline("7001", 1, Map.of());
        assertThat(leader.divergence("7001", 1, Lsn.parse("9/0"))).isNull();
    }

    @Test
    void aPromotedStandbyContinuesWhenItsHistoryHoldsTheLogsLastPosition() {
        LeaderTimeline leader = new LeaderTimeline("7001", 3, LeaderTimeline.parseHistory(HISTORY));
        assertThat(leader.divergence("7001", 1, Lsn.parse("0/3000158"))).isNull();
        assertThat(leader.divergence("7001", 2, Lsn.parse("0/5000000"))).isNull();
    }

    @Test
    void aPromotedStandbyThatLacksWhatTheLogHoldsCannotContinue() {
        LeaderTimeline leader = new LeaderTimeline("7001", 3, LeaderTimeline.parseHistory(HISTORY));
        assertThat(leader.divergence("7001", 1, Lsn.parse("0/3000159")))
                .contains("left timeline 1 at LSN 0/3000158").contains("up to LSN 0/3000159").contains("lacks transactions");
    }

    @Test
    void theLogsTransactionEndIsCheckedNotWhatHeartbeatsConfirmedSince() {
        // Timeline 1 ended at 0/3000158; the log's last transaction, read on timeline 1, lies before it. Heartbeats on
        // timeline 2 may have moved the slot far past the switch point since: that is no gap.
        LeaderTimeline leader = new LeaderTimeline("7001", 2, Map.of(1, Lsn.parse("0/3000158")));
        String offset = "{\"lsn\":50331000,\"" + LeaderTimeline.SYSTEM_KEY + "\":\"7001\",\"" + LeaderTimeline.TIMELINE_KEY + "\":1}";
        ResumePoint before = new ResumePoint(new TransactionEnd("9", new SourcePosition(0, 50_331_000, 9, 0, false), 1, offset), 0, false);
        assertThat(before.divergence(leader)).isNull();
        ResumePoint past = new ResumePoint(new TransactionEnd("9", new SourcePosition(0, Lsn.parse("0/3000200"), 9, 0, false), 1, offset),
                0, false);
        assertThat(past.divergence(leader)).contains("lacks transactions");
        ResumePoint unstamped = new ResumePoint(new TransactionEnd("9", new SourcePosition(0, Lsn.parse("0/3000200"), 9, 0, false), 1,
                "{\"lsn\":1}"), 0, false);
        assertThat(unstamped.divergence(leader)).as("a log an older capture wrote").isNull();
    }

    @Test
    void anotherClusterOrAServerLeftBehindCannotContinue() {
        LeaderTimeline leader = new LeaderTimeline("7001", 2, Map.of(1, Lsn.parse("0/3000158")));
        assertThat(leader.divergence("8002", 2, 1)).contains("another PostgreSQL cluster").contains("8002");
        assertThat(leader.divergence("7001", 3, 1)).contains("on timeline 2, but the log was read on timeline 3");
        LeaderTimeline unrelated = new LeaderTimeline("7001", 4, Map.of(3, Lsn.parse("0/9000000")));
        assertThat(unrelated.divergence("7001", 2, 1)).contains("does not descend from timeline 2");
    }
}
