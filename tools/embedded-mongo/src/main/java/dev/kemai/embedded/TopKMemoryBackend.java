package dev.kemai.embedded;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The in-memory backend, with one change: a sorted query with a limit (every page of a Kemai list)
 * keeps only the best {@code skip + limit} matches instead of sorting every match. A manager's list
 * over 100,000 customers otherwise spends most of its time sorting documents it then throws away.
 */
final class TopKMemoryBackend extends MemoryBackend {

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
        protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
            return new Collection(this, collectionName, options, cursorRegistry);
        }
    }

    private static final class Collection extends MemoryCollection {
        Collection(MongoDatabase database, String name, CollectionOptions options, CursorRegistry cursorRegistry) {
            super(database, name, options, cursorRegistry);
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
