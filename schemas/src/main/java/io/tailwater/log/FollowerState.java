package io.tailwater.log;

/** What an applier is doing, as published on the positions topic. */
public enum FollowerState {
    /** Loading the stream's snapshot into a follower without a position: not consistent yet. */
    LOADING,
    /** Behind the log end, applying as fast as it can; after a load, until past every row it loaded. */
    CATCHING_UP,
    /** At the log end, applying new transactions as they arrive. */
    STREAMING,
    /** Shut down cleanly. */
    STOPPED,
    /** Stopped by an error it cannot get past; see the error. */
    FAILED,
    /** Promoted: the follower leads the stream, and its applier stopped at the leader change. */
    LEADER
}
