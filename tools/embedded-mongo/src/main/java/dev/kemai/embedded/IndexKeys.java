package dev.kemai.embedded;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The values a secondary index files a document under, and the values a query asks for, in one
 * normal form so the two meet: numbers of any width as the server compares them, everything else as
 * itself. Only types whose Java equality is the server's equality are keys; the rest are "other".
 */
final class IndexKeys {

    /** A document value no key stands for, yet an equality query could match (a Decimal128 number). */
    static final Object OTHER = new Object();

    private IndexKeys() {}

    /** The key for a scalar, {@link #OTHER} for one that has none, or null for null and subdocuments. */
    static Object key(Object value) {
        if (value == null || value instanceof Document || value instanceof List<?>) {
            return null;
        }
        if (value instanceof String || value instanceof ObjectId || value instanceof Boolean
            || value instanceof Instant || value instanceof UUID) {
            return value;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte
            || value instanceof Double || value instanceof Float) {
            return number(((Number) value).doubleValue());
        }
        if (value instanceof Long longValue) {
            double number = longValue.doubleValue();
            // as the server does: a long a double cannot hold exactly stays a long
            return (long) number == longValue && longValue != Long.MAX_VALUE ? number(number) : longValue;
        }
        return OTHER;
    }

    private static Double number(double value) {
        return value == 0.0 ? 0.0 : value; // -0.0 equals 0.0
    }

    /** The key of a query value, or null when the value cannot be looked up (null, arrays, documents, others). */
    static Object queryKey(Object value) {
        Object key = key(value);
        return key == OTHER ? null : key;
    }

    /**
     * Every value a document holds at a dotted path, arrays opened at each step (and a numeric step
     * taken both as an array position and as a field name), as the query matcher reads paths. Nested
     * arrays are opened too: that files a document under more keys than a query can reach it by, never
     * fewer, and the matcher still checks every candidate.
     */
    static void valuesAt(Object node, String[] path, int step, Consumer<Object> out) {
        if (node == null) {
            return;
        }
        if (node instanceof List<?> list) {
            if (step < path.length && isPosition(path[step])) {
                int position = Integer.parseInt(path[step]);
                if (position < list.size()) {
                    valuesAt(list.get(position), path, step + 1, out);
                }
            }
            for (Object element : list) {
                valuesAt(element, path, step, out);
            }
            return;
        }
        if (step == path.length) {
            out.accept(node);
        } else if (node instanceof Document document) {
            valuesAt(document.get(path[step]), path, step + 1, out);
        }
    }

    private static boolean isPosition(String step) {
        if (step.isEmpty() || step.length() > 9) {
            return false;
        }
        for (int i = 0; i < step.length(); i++) {
            if (step.charAt(i) < '0' || step.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
