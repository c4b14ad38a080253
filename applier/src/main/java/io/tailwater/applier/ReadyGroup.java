package io.tailwater.applier;

import io.tailwater.applier.jdbc.AppliedPosition;
import io.tailwater.applier.jdbc.PositionedEvent;

import java.util.List;

/**
 * Whole leader transactions taken out of a {@link TransactionGroup} to be applied in one follower
 * transaction, ending at {@code position}.
 *
 * @param events their events, in log order
 * @param position the position after the last of them
 * @param transactions how many leader transactions they are
 * @param transactionEnds for each transaction, how many events end with it
 * @param transactionPositions for each transaction, the position after it
 */
record ReadyGroup(List<PositionedEvent> events, AppliedPosition position, int transactions, List<Integer> transactionEnds,
                  List<AppliedPosition> transactionPositions) {
    ReadyGroup {
        events = List.copyOf(events);
        transactionEnds = List.copyOf(transactionEnds);
        transactionPositions = List.copyOf(transactionPositions);
    }

    int rows() {
        return events.size();
    }

    /**
     * The leading whole transactions that end before event {@code index}: how many events they
     * hold, or 0 when the first transaction already reaches it.
     */
    int eventsBefore(int index) {
        int before = 0;
        for (int end : transactionEnds) {
            if (end > index) {
                break;
            }
            before = end;
        }
        return before;
    }

    /** The position after the leading whole transactions holding {@code count} events. */
    AppliedPosition positionAfter(int count) {
        return transactionPositions.get(transactionEnds.lastIndexOf(count));
    }
}
