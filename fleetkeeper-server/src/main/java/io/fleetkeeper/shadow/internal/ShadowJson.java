package io.fleetkeeper.shadow.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The shadow's JSON rules, without any I/O: merging a section update (null deletes, objects merge, everything
 * else — arrays included — replaces), keeping per-leaf metadata in the same shape, computing the delta, and
 * checking depth and key limits.
 */
public final class ShadowJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ShadowJson() {
    }

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    /**
     * Applies {@code patch} to {@code target} (JSON merge semantics: {@code null} removes a key, an object
     * merges into an object, anything else replaces) and records {@code timestamp} in {@code metadata} for
     * every leaf written. Objects left empty are removed.
     */
    public static void merge(ObjectNode target, ObjectNode metadata, JsonNode patch, long timestamp) {
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (value.isNull()) {
                target.remove(key);
                metadata.remove(key);
            } else if (value.isObject()) {
                ObjectNode sub = target.get(key) instanceof ObjectNode o ? o : object();
                ObjectNode subMeta = target.get(key) instanceof ObjectNode && metadata.get(key) instanceof ObjectNode m
                        ? m : object();
                merge(sub, subMeta, value, timestamp);
                if (sub.isEmpty()) {
                    target.remove(key);
                    metadata.remove(key);
                } else {
                    target.set(key, sub);
                    metadata.set(key, subMeta);
                }
            } else {
                target.set(key, value.deepCopy());
                metadata.set(key, object().put("timestamp", timestamp));
            }
        }
    }

    /**
     * What the device still has to do: every desired key missing from {@code reported} or different from it,
     * nested objects compared key by key (paths kept), everything else (arrays included) compared whole.
     * Numbers compare by value ({@code 1} equals {@code 1.0}).
     */
    public static ObjectNode delta(JsonNode desired, JsonNode reported) {
        ObjectNode delta = object();
        for (Map.Entry<String, JsonNode> e : desired.properties()) {
            JsonNode want = e.getValue();
            JsonNode have = reported == null ? null : reported.get(e.getKey());
            if (have == null || have.isMissingNode()) {
                delta.set(e.getKey(), want.deepCopy());
            } else if (want.isObject() && have.isObject()) {
                ObjectNode sub = delta(want, have);
                if (!sub.isEmpty()) {
                    delta.set(e.getKey(), sub);
                }
            } else if (!same(want, have)) {
                delta.set(e.getKey(), want.deepCopy());
            }
        }
        return delta;
    }

    /** Deep equality with numbers compared by value. */
    public static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!same(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Map.Entry<String, JsonNode> e : a.properties()) {
                JsonNode other = b.get(e.getKey());
                if (other == null || !same(e.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /**
     * The limit violations of a section update: keys longer than {@code maxKeyLength}, objects or arrays
     * nested deeper than {@code maxDepth} (the section's own keys are depth 1). Each violation names its path.
     */
    public static List<String> limitViolations(String section, JsonNode patch, int maxDepth, int maxKeyLength) {
        List<String> out = new ArrayList<>();
        walk(section, patch, 0, maxDepth, maxKeyLength, out);
        return out;
    }

    private static void walk(String path, JsonNode node, int depth, int maxDepth, int maxKeyLength, List<String> out) {
        if (out.size() >= 20) {
            return;
        }
        if ((node.isObject() || node.isArray()) && depth >= maxDepth && node.size() > 0) {
            out.add(path + ": nested deeper than " + maxDepth + " levels");
            return;
        }
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (e.getKey().isEmpty()) {
                    out.add(path + ": empty key");
                } else if (e.getKey().length() > maxKeyLength) {
                    out.add(path + "." + e.getKey().substring(0, 16) + "…: key longer than " + maxKeyLength
                            + " characters");
                    continue;
                }
                walk(path + "." + e.getKey(), e.getValue(), depth + 1, maxDepth, maxKeyLength, out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(path + "[" + i + "]", node.get(i), depth + 1, maxDepth, maxKeyLength, out);
            }
        }
    }
}
