package dev.kemai.embedded;

import java.util.Arrays;
import java.util.BitSet;

/** The document positions filed under one index key: a growable int array, 4 bytes a position. */
final class IntBag {

    private int[] positions = new int[2];
    private int size;

    void add(int position) {
        if (size == positions.length) {
            positions = Arrays.copyOf(positions, size * 2);
        }
        positions[size++] = position;
    }

    /** Removes one occurrence; the last position takes its place (order does not matter here). */
    void remove(int position) {
        for (int i = size - 1; i >= 0; i--) {
            if (positions[i] == position) {
                positions[i] = positions[--size];
                return;
            }
        }
    }

    void clear() {
        positions = new int[2];
        size = 0;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void addTo(BitSet set) {
        for (int i = 0; i < size; i++) {
            set.set(positions[i]);
        }
    }
}
