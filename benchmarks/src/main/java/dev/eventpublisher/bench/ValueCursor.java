package dev.eventpublisher.bench;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** Per benchmark thread: walks the pool of distinct values, so lz4 sees realistic data. */
@State(Scope.Thread)
public class ValueCursor {
    private int next;

    /** The next value; {@code values.length} must be a power of two. */
    byte[] value(byte[][] values) {
        return values[next++ & (values.length - 1)];
    }
}
