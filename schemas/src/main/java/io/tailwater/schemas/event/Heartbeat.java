package io.tailwater.schemas.event;

/** Written while the leader is idle, so followers can tell how fresh they are. */
public record Heartbeat(SourcePosition source) implements LogEvent {
    @Override
    public Kind kind() {
        return Kind.HEARTBEAT;
    }
}
