package dev.kemai.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.DocumentWithPosition;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.bson.Document;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A non-unique index for the in-memory backend, which otherwise accepts such indexes and ignores
 * them, so every query but one by {@code _id} alone read the whole collection. It files each
 * document's position under the values of the index's first field (each element of an array), and
 * answers which positions may match an equality, an {@code $in}, an {@code $all} or an anchored
 * literal {@code $regex} on that field. {@link IndexPlanner} combines these lookups; the library's
 * matcher still checks every candidate, so the index only ever has to name too many, never too few.
 *
 * <p>Memory is the constraint (the engine holds every document on the heap): a key held by one
 * document maps to its position alone, a key held by several to an {@link IntBag}; a document's
 * position comes from the collection's {@code _id} index rather than a map of its own; and of
 * several indexes that begin with the same field only the first keeps anything
 * ({@link IndexedMemoryBackend} decides which). Calls come under the collection's lock; the
 * index's own lock covers an index built alongside.
 */
final class SecondaryIndex extends Index<Integer> {

    private final String field;
    private final String[] path;
    /** key → Integer (one position) or IntBag (several) */
    private final Map<Object, Object> positions = new HashMap<>();
    /**
     * The string keys in order, for prefix lookups: kept only once one asked for them, since
     * keeping every index's keys sorted made inserts (a customer files dozens of search tokens)
     * the engine's largest cost.
     */
    private TreeSet<String> sortedStrings;
    /** documents holding a value with no key (a Decimal128 number): candidates of every lookup */
    private final IntBag unkeyed = new IntBag();
    /** finds a document's position: the collection's {@code _id} index */
    private Index<Integer> primary;
    /** false while another index on the same first field does the work */
    private boolean active = true;
    private long count;

    SecondaryIndex(String name, List<IndexKey> keys, boolean sparse) {
        super(name, keys, sparse);
        this.field = keys.get(0).getKey();
        this.path = field.split("\\.", -1);
    }

    String field() {
        return field;
    }

    boolean isActive() {
        return active;
    }

    synchronized void attach(Index<Integer> primary, boolean active) {
        this.primary = primary;
        this.active = active;
    }

    /** Takes over from a dropped index on the same field: files every document, then answers lookups. */
    synchronized void activate(Stream<DocumentWithPosition<Integer>> documents) {
        active = true;
        documents.forEach(document -> fileAll(document.getDocument(), document.getPosition()));
    }

    private List<Object> valuesOf(Document document) {
        List<Object> values = new ArrayList<>();
        IndexKeys.valuesAt(document, path, 0, values::add);
        return values;
    }

    private static Set<Object> keysOf(List<Object> values) {
        Set<Object> keys = new LinkedHashSet<>();
        for (Object value : values) {
            Object key = IndexKeys.key(value);
            if (key != null) {
                keys.add(key);
            }
        }
        return keys;
    }

    private void file(Object key, int position) {
        if (key == IndexKeys.OTHER) {
            unkeyed.add(position);
            return;
        }
        Object held = positions.get(key);
        if (held == null) {
            positions.put(key, position);
            if (sortedStrings != null && key instanceof String text) {
                sortedStrings.add(text);
            }
        } else if (held instanceof IntBag bag) {
            bag.add(position);
        } else {
            IntBag bag = new IntBag();
            bag.add((Integer) held);
            bag.add(position);
            positions.put(key, bag);
        }
    }

    private void unfile(Object key, int position) {
        if (key == IndexKeys.OTHER) {
            unkeyed.remove(position);
            return;
        }
        Object held = positions.get(key);
        boolean emptied;
        if (held instanceof IntBag bag) {
            bag.remove(position);
            emptied = bag.isEmpty();
        } else {
            emptied = held != null && (Integer) held == position;
        }
        if (emptied) {
            positions.remove(key);
            if (sortedStrings != null && key instanceof String text) {
                sortedStrings.remove(text);
            }
        }
    }

    private void fileAll(Document document, int position) {
        for (Object key : keysOf(valuesOf(document))) {
            file(key, position);
        }
        count++;
    }

    @Override
    public Integer getPosition(Document document) {
        return primary == null ? null : primary.getPosition(document);
    }

    @Override
    public void checkAdd(Document document, MongoCollection<Integer> collection) {
        // not unique: nothing to refuse
    }

    @Override
    public synchronized void add(Document document, Integer position, MongoCollection<Integer> collection) {
        if (active) {
            fileAll(document, position);
        }
    }

    /** Runs before the {@code _id} index lets go of the document (this index is listed ahead of it). */
    @Override
    public synchronized Integer remove(Document document) {
        Integer position = getPosition(document);
        if (active && position != null) {
            for (Object key : keysOf(valuesOf(document))) {
                unfile(key, position);
            }
            count--;
        }
        return position;
    }

    @Override
    public void checkUpdate(Document oldDocument, Document newDocument, MongoCollection<Integer> collection) {
        // not unique: nothing to refuse
    }

    @Override
    public synchronized void updateInPlace(Document oldDocument, Document newDocument, Integer position,
                                           MongoCollection<Integer> collection) {
        if (!active) {
            return;
        }
        List<Object> oldValues = valuesOf(oldDocument);
        List<Object> newValues = valuesOf(newDocument);
        if (oldValues.equals(newValues)) {
            return; // most updates leave most indexed fields alone
        }
        Set<Object> before = keysOf(oldValues);
        Set<Object> after = keysOf(newValues);
        for (Object key : before) {
            if (!after.contains(key)) {
                unfile(key, position);
            }
        }
        for (Object key : after) {
            if (!before.contains(key)) {
                file(key, position);
            }
        }
    }

    /** The library asks this of every index; lookups go through {@link IndexPlanner} instead. */
    @Override
    public boolean canHandle(Document query) {
        return false;
    }

    @Override
    public Iterable<Integer> getPositions(Document query) {
        throw new UnsupportedOperationException("secondary indexes are read through IndexPlanner");
    }

    private static void addTo(Object held, BitSet found) {
        if (held instanceof IntBag bag) {
            bag.addTo(found);
        } else if (held != null) {
            found.set((Integer) held);
        }
    }

    /** Positions filed under any of the keys. */
    synchronized BitSet positionsOf(Collection<Object> keys) {
        BitSet found = new BitSet();
        for (Object key : keys) {
            addTo(positions.get(key), found);
        }
        unkeyed.addTo(found);
        return found;
    }

    /** Positions filed under a string key that starts with the prefix. */
    synchronized BitSet positionsWithPrefix(String prefix) {
        if (sortedStrings == null) {
            sortedStrings = new TreeSet<>();
            for (Object key : positions.keySet()) {
                if (key instanceof String text) {
                    sortedStrings.add(text);
                }
            }
        }
        BitSet found = new BitSet();
        for (String key : sortedStrings.tailSet(prefix, true)) {
            if (!key.startsWith(prefix)) {
                break;
            }
            addTo(positions.get(key), found);
        }
        return found;
    }

    /** What the library reads to decide whether to build the index over existing documents. */
    @Override
    public synchronized long getCount() {
        return count;
    }

    @Override
    public long getDataSize() {
        return getCount();
    }

    @Override
    public synchronized void drop() {
        positions.clear();
        sortedStrings = null;
        unkeyed.clear();
        count = 0;
    }
}
