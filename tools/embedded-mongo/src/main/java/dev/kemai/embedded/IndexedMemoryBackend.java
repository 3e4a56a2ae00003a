package dev.kemai.embedded;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The in-memory backend, with two changes:
 * <ul>
 *   <li>non-unique indexes are kept ({@link SecondaryIndex}) and read ({@link IndexPlanner}): the
 *       library ignores them, so a rep's list, a customer's timeline or a record read by
 *       {@code _id} plus a condition each read the whole collection, one query at a time per
 *       collection (the library serialises them), which is not how MongoDB behaves;</li>
 *   <li>a sorted query with a limit (every page of a Kemai list) keeps only the best
 *       {@code skip + limit} matches instead of sorting every match. A manager's list over 100,000
 *       customers otherwise spends most of its time sorting documents it then throws away.</li>
 * </ul>
 */
final class IndexedMemoryBackend extends MemoryBackend {

    /** Pages deeper than this fall back to the library's full sort. */
    static final int MAX_SELECTED = 10_000;

    @Override
    public MemoryDatabase openOrCreateDatabase(String databaseName) {
        return new Database(databaseName, getCursorRegistry());
    }

    private static final class Database extends MemoryDatabase {
        private final CursorRegistry cursorRegistry;

        Database(String name, CursorRegistry cursorRegistry) {
            super(name, cursorRegistry);
            this.cursorRegistry = cursorRegistry;
        }

        @Override
        protected Index<Integer> openOrCreateSecondaryIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
            return new SecondaryIndex(indexName, keys, sparse);
        }

        @Override
        protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
            return new Collection(this, collectionName, options, cursorRegistry);
        }
    }

    private static final class Collection extends MemoryCollection {
        Collection(MongoDatabase database, String name, CollectionOptions options, CursorRegistry cursorRegistry) {
            super(database, name, options, cursorRegistry);
        }

        /**
         * Under the collection's lock, as every write is: the library builds an index and then
         * lists it without one, so a document written in between would be missing from the index
         * (and the index list itself could change under a write that walks it).
         */
        @Override
        public synchronized void addIndex(Index<Integer> index) {
            List<Index<Integer>> indexes = getIndexes();
            if (index instanceof SecondaryIndex secondary) {
                // of several indexes beginning with one field, the first keeps the positions
                boolean first = indexes.stream().noneMatch(other -> other instanceof SecondaryIndex s && s.isActive() && s.field().equals(secondary.field()));
                secondary.attach(IndexPlanner.uniqueOn(indexes, "_id"), first);
            }
            super.addIndex(index);
            if (index instanceof SecondaryIndex && indexes.remove(index)) {
                // ahead of the _id index: a removal asks it for the document's position
                indexes.add(0, index);
            }
        }

        @Override
        public synchronized void dropIndex(String indexName) {
            Index<Integer> dropped = getIndexes().stream().filter(index -> index.getName().equals(indexName)).findFirst().orElse(null);
            super.dropIndex(indexName);
            if (dropped instanceof SecondaryIndex secondary && secondary.isActive()) {
                getIndexes().stream()
                    .filter(index -> index instanceof SecondaryIndex s && s.field().equals(secondary.field()))
                    .findFirst()
                    .ifPresent(next -> ((SecondaryIndex) next).activate(streamAllDocumentsWithPosition()));
            }
        }

        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize,
                                             Document fieldSelector) {
            BitSet candidates = new IndexPlanner(getIndexes()).candidates(query);
            if (candidates == null) {
                return super.queryDocuments(query, orderBy, skip, limit, batchSize, fieldSelector);
            }
            // ascending positions are the natural order a full read would produce
            List<Integer> positions = new ArrayList<>(candidates.cardinality());
            candidates.stream().forEach(positions::add);
            if (isNaturalDescending(orderBy)) {
                Collections.reverse(positions);
            }
            return matchDocuments(query, positions, orderBy, skip, limit, batchSize, fieldSelector);
        }

        @Override
        protected QueryResult matchDocumentsFromStream(Document query, Stream<Document> documents, int skip, int limit,
                                                       int batchSize, Comparator<Document> order, Document fieldSelector) {
            long wanted = (long) Math.max(skip, 0) + limit;
            if (order == null || limit <= 0 || wanted > MAX_SELECTED) {
                return super.matchDocumentsFromStream(query, documents, skip, limit, batchSize, order, fieldSelector);
            }
            List<Document> best = TopK.select(documents.filter(document -> documentMatchesQuery(document, query)), order, (int) wanted);
            List<Document> page = best.subList(Math.min(Math.max(skip, 0), best.size()), best.size());
            // already matched, ordered and cut: the library only projects and batches
            return super.matchDocumentsFromStream(query, page.stream(), 0, 0, batchSize, null, fieldSelector);
        }
    }
}
