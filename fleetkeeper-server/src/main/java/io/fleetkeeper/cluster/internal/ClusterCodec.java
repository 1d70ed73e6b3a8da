package io.fleetkeeper.cluster.internal;

import io.fleetkeeper.cluster.ClusterMessage;
import java.util.Map;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The wire form of {@link ClusterMessage}s: one JSON object per message,
 * {@code {"node":"<sending bus>","type":"kick","message":{...}}}; byte arrays are base64. Unknown types
 * and fields (a newer node during a rolling upgrade) are skipped, not errors.
 */
final class ClusterCodec {

    /** A decoded message and the node whose bus sent it. */
    record Envelope(String node, ClusterMessage message) {
    }

    private static final Map<String, Class<? extends ClusterMessage>> TYPES = Map.of(
            "kick", ClusterMessage.Kick.class,
            "takeover", ClusterMessage.Takeover.class,
            "deliver", ClusterMessage.Deliver.class,
            "invalidate", ClusterMessage.Invalidate.class);

    private final JsonMapper json = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    String encode(String node, ClusterMessage message) {
        ObjectNode root = json.createObjectNode();
        root.put("node", node);
        root.put("type", typeOf(message));
        root.set("message", json.valueToTree(message));
        return json.writeValueAsString(root);
    }

    /** The envelope, or null when the text is not a message this version knows. */
    Envelope decode(String text) {
        JsonNode root = json.readTree(text);
        Class<? extends ClusterMessage> type = TYPES.get(root.path("type").asString(""));
        if (type == null || !root.path("message").isObject()) {
            return null;
        }
        return new Envelope(root.path("node").asString(""), json.treeToValue(root.path("message"), type));
    }

    private static String typeOf(ClusterMessage message) {
        return switch (message) {
            case ClusterMessage.Kick k -> "kick";
            case ClusterMessage.Takeover t -> "takeover";
            case ClusterMessage.Deliver d -> "deliver";
            case ClusterMessage.Invalidate i -> "invalidate";
        };
    }
}
