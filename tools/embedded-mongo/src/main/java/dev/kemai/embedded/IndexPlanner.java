package dev.kemai.embedded;

import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.Document;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Which documents a query can possibly match, from the collection's indexes: a field's equality,
 * {@code $in}, {@code $all} or anchored literal {@code $regex} is looked up in an index on that
 * field; the conditions of one query (and of an {@code $and}) intersect, the branches of an
 * {@code $or} unite when every branch has a lookup. A query with no such condition gets null and is
 * read in full. The answer may name documents the query does not match, never the reverse: the
 * library's matcher checks every candidate.
 */
final class IndexPlanner {

    private final List<Index<Integer>> indexes;

    IndexPlanner(List<Index<Integer>> indexes) {
        this.indexes = indexes;
    }

    /** The candidate positions, or null when no index narrows the query. */
    BitSet candidates(Document query) {
        return conjunction(query);
    }

    private BitSet conjunction(Document query) {
        BitSet found = compoundUnique(query);
        for (Map.Entry<String, Object> condition : query.entrySet()) {
            String name = condition.getKey();
            BitSet narrowed;
            if (name.equals("$and")) {
                narrowed = all(condition.getValue());
            } else if (name.equals("$or")) {
                narrowed = any(condition.getValue());
            } else if (name.startsWith("$")) {
                narrowed = null; // $nor, $expr, $where, $comment…: no lookup, the matcher decides
            } else {
                narrowed = field(name, condition.getValue());
            }
            found = intersect(found, narrowed);
        }
        return found;
    }

    /**
     * A unique index over several fields, each held equal to one value here ({@code importId} and
     * {@code index} of an import row): at most one document, where each field's own index would name
     * every document sharing that one value.
     */
    private BitSet compoundUnique(Document query) {
        for (Index<Integer> index : indexes) {
            if (!index.isUnique() || index.getKeys().size() < 2) {
                continue;
            }
            Document lookup = new Document();
            for (var key : index.getKeys()) {
                Object value = query.get(key.getKey());
                if (value instanceof Document operators && operators.size() == 1 && operators.containsKey("$eq")) {
                    value = operators.get("$eq");
                }
                if (IndexKeys.queryKey(value) == null) {
                    lookup = null;
                    break;
                }
                lookup.append(key.getKey(), value);
            }
            if (lookup != null && index.canHandle(lookup)) {
                BitSet found = new BitSet();
                for (Integer position : index.getPositions(lookup)) {
                    found.set(position);
                }
                return found;
            }
        }
        return null;
    }

    private BitSet all(Object clauses) {
        if (!(clauses instanceof Collection<?> list)) {
            return null;
        }
        BitSet found = null;
        for (Object clause : list) {
            if (clause instanceof Document document) {
                found = intersect(found, conjunction(document));
            }
        }
        return found;
    }

    private BitSet any(Object clauses) {
        if (!(clauses instanceof Collection<?> list) || list.isEmpty()) {
            return null;
        }
        BitSet found = new BitSet();
        for (Object clause : list) {
            BitSet branch = clause instanceof Document document ? conjunction(document) : null;
            if (branch == null) {
                return null; // one branch without a lookup may match anything
            }
            found.or(branch);
        }
        return found;
    }

    private static BitSet intersect(BitSet found, BitSet narrowed) {
        if (narrowed == null) {
            return found;
        }
        if (found == null) {
            return narrowed;
        }
        found.and(narrowed);
        return found;
    }

    private BitSet field(String name, Object condition) {
        if (condition instanceof BsonRegularExpression regex) {
            return prefix(name, regex.getPattern(), regex.getOptions());
        }
        if (!(condition instanceof Document operators)) {
            return condition == null || condition instanceof Collection<?> ? null : equal(name, List.of(condition));
        }
        BitSet found = null;
        for (Map.Entry<String, Object> operator : operators.entrySet()) {
            Object operand = operator.getValue();
            BitSet narrowed = switch (operator.getKey()) {
                case "$eq" -> operand == null || operand instanceof Collection<?> ? null : equal(name, List.of(operand));
                case "$in" -> operand instanceof Collection<?> values ? equal(name, values) : null;
                case "$all" -> every(name, operand);
                case "$regex" -> operand instanceof String pattern
                    ? prefix(name, pattern, String.valueOf(operators.getOrDefault("$options", ""))) : null;
                default -> null; // a subdocument, or an operator no lookup serves
            };
            found = intersect(found, narrowed);
        }
        return found;
    }

    /** Documents holding any of the values; null when one of them cannot be looked up. */
    private BitSet equal(String name, Collection<?> values) {
        List<Object> keys = new ArrayList<>(values.size());
        for (Object value : values) {
            if (value instanceof BsonRegularExpression || value instanceof Document && BsonRegularExpression.isRegularExpression(value)) {
                return null;
            }
            Object key = IndexKeys.queryKey(value);
            if (key == null) {
                return null; // null also matches a missing field; arrays and documents match whole values
            }
            keys.add(key);
        }
        SecondaryIndex secondary = secondaryOn(name);
        if (secondary != null) {
            return secondary.positionsOf(keys);
        }
        Index<Integer> unique = uniqueOn(name);
        if (unique == null) {
            return null;
        }
        BitSet found = new BitSet();
        for (Object value : values) {
            Document lookup = new Document(name, value);
            if (!unique.canHandle(lookup)) {
                return null;
            }
            for (Integer position : unique.getPositions(lookup)) {
                found.set(position);
            }
        }
        return found;
    }

    /** {@code $all}: every value must be held, so the documents holding the first one are enough. */
    private BitSet every(String name, Object operand) {
        if (!(operand instanceof Collection<?> values) || values.isEmpty()) {
            return null;
        }
        BitSet found = null;
        for (Object value : values) {
            if (value == null) {
                return null;
            }
            found = intersect(found, equal(name, List.of(value)));
        }
        return found;
    }

    /** An anchored pattern of literal characters ({@code ^py:zhang}) read as a range of string keys. */
    private BitSet prefix(String name, String pattern, String options) {
        SecondaryIndex secondary = secondaryOn(name);
        String literal = literalPrefix(pattern);
        if (secondary == null || literal == null || !(options == null || options.isEmpty())) {
            return null;
        }
        return secondary.positionsWithPrefix(literal);
    }

    /** The text a pattern of the form {@code ^literal} matches at the start, or null for any other pattern. */
    static String literalPrefix(String pattern) {
        if (!pattern.startsWith("^") || pattern.startsWith("^^")) {
            return null;
        }
        StringBuilder literal = new StringBuilder();
        for (int i = 1; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\') {
                if (i + 1 >= pattern.length() || Character.isLetterOrDigit(pattern.charAt(i + 1))) {
                    return null; // \d, \w, \b… are classes, not characters
                }
                literal.append(pattern.charAt(++i));
            } else if (".^$|?*+()[]{}".indexOf(c) >= 0) {
                return null;
            } else {
                literal.append(c);
            }
        }
        return literal.length() == 0 ? null : literal.toString();
    }

    private SecondaryIndex secondaryOn(String name) {
        for (Index<Integer> index : indexes) {
            if (index instanceof SecondaryIndex secondary && secondary.isActive() && secondary.field().equals(name)) {
                return secondary;
            }
        }
        return null;
    }

    private Index<Integer> uniqueOn(String name) {
        return uniqueOn(indexes, name);
    }

    /** The unique index on the one field, if there is one ({@code _id}'s is always there). */
    static Index<Integer> uniqueOn(List<Index<Integer>> indexes, String name) {
        for (Index<Integer> index : indexes) {
            if (index.isUnique() && index.getKeys().size() == 1 && index.getKeys().get(0).getKey().equals(name)) {
                return index;
            }
        }
        return null;
    }
}
