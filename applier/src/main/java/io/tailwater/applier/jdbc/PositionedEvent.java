package io.tailwater.applier.jdbc;

import io.tailwater.schemas.event.LogEvent;

/** A log event with the log offset it was read at, so an error can name where it happened. */
public record PositionedEvent(long offset, LogEvent event) {
}
