package dev.kemai.embedded;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.stream.Stream;

/**
 * The first {@code k} elements of a stream in comparator order, in O(n log k) instead of sorting all
 * n. Stable: of equal elements, those met first come first, exactly as a stable full sort.
 */
final class TopK {

    private record Ranked<T>(T value, long seen) {}

    private TopK() {}

    static <T> List<T> select(Stream<T> elements, Comparator<? super T> order, int k) {
        Comparator<Ranked<T>> ranking = Comparator.<Ranked<T>, T>comparing(Ranked::value, order)
            .thenComparingLong(Ranked::seen);
        // the worst of the best k sits on top, ready to be replaced
        PriorityQueue<Ranked<T>> best = new PriorityQueue<>(k + 1, ranking.reversed());
        long[] counter = {0};
        elements.forEachOrdered(element -> {
            Ranked<T> ranked = new Ranked<>(element, counter[0]++);
            if (best.size() < k) {
                best.add(ranked);
            } else if (ranking.compare(ranked, best.peek()) < 0) {
                best.poll();
                best.add(ranked);
            }
        });
        List<Ranked<T>> ordered = new ArrayList<>(best);
        ordered.sort(ranking);
        List<T> out = new ArrayList<>(ordered.size());
        for (Ranked<T> ranked : ordered) {
            out.add(ranked.value());
        }
        return out;
    }
}
