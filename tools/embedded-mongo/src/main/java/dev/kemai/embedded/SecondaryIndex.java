package dev.kemai.embedded;

import de.bwaldvogel.mongo.MongoCollection;
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
    private final Map<Object, IntBag> bags = new HashMap<>();
    /**
     * The string keys in order, for prefix lookups: kept only once one asked for them, since
     * keeping every index's keys sorted made inserts (a customer files dozens of search tokens)
     * the engine's largest cost.
     */
    private TreeSet<String> sortedStrings;
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

    private Set<Object> keysOf(Document document) {
        return keysOf(valuesOf(document));
    }

    private static Object idOf(Document document) {
        Object id = document.get("_id");
        Object key = IndexKeys.key(id);
        return key == null || key == IndexKeys.OTHER ? id : key;
    }

    private void file(Object key, int position) {
        if (key == IndexKeys.OTHER) {
            unkeyed.add(position);
            return;
        }
        IntBag bag = bags.get(key);
        if (bag == null) {
            bags.put(key, bag = new IntBag());
            if (sortedStrings != null && key instanceof String text) {
                sortedStrings.add(text);
            }
        }
        bag.add(position);
    }

    private void unfile(Object key, int position) {
        if (key == IndexKeys.OTHER) {
            unkeyed.remove(position);
            return;
        }
        IntBag bag = bags.get(key);
        if (bag != null) {
            bag.remove(position);
            if (bag.isEmpty()) {
                bags.remove(key);
                if (sortedStrings != null && key instanceof String text) {
                    sortedStrings.remove(text);
                }
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

    /** Positions filed under any of the keys. */
    synchronized BitSet positionsOf(Collection<Object> keys) {
        BitSet found = new BitSet();
        for (Object key : keys) {
            IntBag bag = bags.get(key);
            if (bag != null) {
                bag.addTo(found);
            }
        }
        unkeyed.addTo(found);
        return found;
    }

    /** Positions filed under a string key that starts with the prefix. */
    synchronized BitSet positionsWithPrefix(String prefix) {
        if (sortedStrings == null) {
            sortedStrings = new TreeSet<>();
            for (Object key : bags.keySet()) {
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
            bags.get(key).addTo(found);
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
        bags.clear();
        sortedStrings = null;
        positionsById.clear();
        unkeyed.clear();
    }
}
