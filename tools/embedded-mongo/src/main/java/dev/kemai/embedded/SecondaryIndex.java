package dev.kemai.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.bson.Document;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A non-unique index for the in-memory backend, which otherwise accepts such indexes and ignores
 * them, so every query but one by {@code _id} alone read the whole collection. It files each
 * document's position under the values of the index's first field (each element of an array), and
 * answers which positions may match an equality, an {@code $in}, an {@code $all} or an anchored
 * literal {@code $regex} on that field. {@link IndexPlanner} combines these lookups; the library's
 * matcher still checks every candidate, so the index only ever has to name too many, never too few.
 * Calls come under the collection's lock; the index's own lock covers an index built alongside.
 */
final class SecondaryIndex extends Index<Integer> {

    private final String field;
    private final String[] path;
    /** string keys sorted, so a prefix is one range */
    private final TreeMap<String, IntBag> strings = new TreeMap<>();
    private final Map<Object, IntBag> others = new HashMap<>();
    /** documents holding a value with no key (a Decimal128 number): candidates of every lookup */
    private final IntBag unkeyed = new IntBag();
    /** what {@link #remove} needs: it is handed the document, not its position */
    private final Map<Object, Integer> positionsById = new HashMap<>();

    SecondaryIndex(String name, List<IndexKey> keys, boolean sparse) {
        super(name, keys, sparse);
        this.field = keys.get(0).getKey();
        this.path = field.split("\\.", -1);
    }

    String field() {
        return field;
    }

    private Set<Object> keysOf(Document document) {
        Set<Object> keys = new LinkedHashSet<>();
        IndexKeys.valuesAt(document, path, 0, value -> {
            Object key = IndexKeys.key(value);
            if (key != null) {
                keys.add(key);
            }
        });
        return keys;
    }

    private static Object idOf(Document document) {
        Object id = document.get("_id");
        Object key = IndexKeys.key(id);
        return key == null || key == IndexKeys.OTHER ? id : key;
    }

    private IntBag bag(Object key, boolean create) {
        if (key instanceof String text) {
            return create ? strings.computeIfAbsent(text, k -> new IntBag()) : strings.get(text);
        }
        return create ? others.computeIfAbsent(key, k -> new IntBag()) : others.get(key);
    }

    private void file(Object key, int position) {
        (key == IndexKeys.OTHER ? unkeyed : bag(key, true)).add(position);
    }

    private void unfile(Object key, int position) {
        if (key == IndexKeys.OTHER) {
            unkeyed.remove(position);
            return;
        }
        IntBag bag = bag(key, false);
        if (bag != null) {
            bag.remove(position);
            if (bag.isEmpty()) {
                (key instanceof String ? strings : others).remove(key);
            }
        }
    }

    @Override
    public synchronized Integer getPosition(Document document) {
        return positionsById.get(idOf(document));
    }

    @Override
    public void checkAdd(Document document, MongoCollection<Integer> collection) {
        // not unique: nothing to refuse
    }

    @Override
    public synchronized void add(Document document, Integer position, MongoCollection<Integer> collection) {
        positionsById.put(idOf(document), position);
        for (Object key : keysOf(document)) {
            file(key, position);
        }
    }

    @Override
    public synchronized Integer remove(Document document) {
        Integer position = positionsById.remove(idOf(document));
        if (position != null) {
            for (Object key : keysOf(document)) {
                unfile(key, position);
            }
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
        Set<Object> before = keysOf(oldDocument);
        Set<Object> after = keysOf(newDocument);
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

    /** Positions filed under any of the keys. */
    synchronized BitSet positionsOf(Collection<Object> keys) {
        BitSet found = new BitSet();
        for (Object key : keys) {
            IntBag bag = bag(key, false);
            if (bag != null) {
                bag.addTo(found);
            }
        }
        unkeyed.addTo(found);
        return found;
    }

    /** Positions filed under a string key that starts with the prefix. */
    synchronized BitSet positionsWithPrefix(String prefix) {
        BitSet found = new BitSet();
        for (Map.Entry<String, IntBag> entry : strings.tailMap(prefix, true).entrySet()) {
            if (!entry.getKey().startsWith(prefix)) {
                break;
            }
            entry.getValue().addTo(found);
        }
        return found;
    }

    @Override
    public synchronized long getCount() {
        return positionsById.size();
    }

    @Override
    public long getDataSize() {
        return getCount();
    }

    @Override
    public synchronized void drop() {
        strings.clear();
        others.clear();
        positionsById.clear();
        unkeyed.clear();
    }
}
