package io.tailwater.capture;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

class SupervisedCaptureTest {

    @Test
    void aLostOrRefusedLeaderConnectionAnywhereInTheCausesStartsCaptureAgain() {
        assertThat(SupervisedCapture.connectionLost(new IllegalStateException("capture stopped",
                new RuntimeException("producer failure", new SQLException("terminating connection", "57P01"))))).isTrue();
        assertThat(SupervisedCapture.connectionLost(new SQLException("An I/O error occurred", "08006"))).isTrue();
        assertThat(SupervisedCapture.connectionLost(new LeaderNotReadyException("cannot connect to the leader",
                new SQLException("Connection refused", "08001")))).isTrue();
    }

    @Test
    void everyOtherFailureStopsIt() {
        assertThat(SupervisedCapture.connectionLost(new LeaderNotReadyException("the replication slot is missing"))).isFalse();
        assertThat(SupervisedCapture.connectionLost(new SQLException("permission denied", "42501"))).isFalse();
        assertThat(SupervisedCapture.connectionLost(new SQLException("no state"))).isFalse();
        assertThat(SupervisedCapture.connectionLost(new SQLException("protocol violation", "08P01"))).isFalse();
        assertThat(SupervisedCapture.connectionLost(new CaptureFencedException("fenced",
                new SQLException("terminating connection", "57P01")))).isFalse();
    }
}
