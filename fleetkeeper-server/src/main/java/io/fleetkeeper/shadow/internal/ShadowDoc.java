package io.fleetkeeper.shadow.internal;

import io.fleetkeeper.shadow.Shadow;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The stored form of a shadow, mutable while an update is applied. Stored as
 * {@code {"desired":{…},"reported":{…},"metadata":{"desired":{…},"reported":{…}}}}.
 */
public final class ShadowDoc {

    /** The top-level key of the reported section in the stored document (what fleet queries read). */
    static final String REPORTED = "reported";

    private final ObjectNode desired;
    private final ObjectNode reported;
    private final ObjectNode metaDesired;
    private final ObjectNode metaReported;

    private ShadowDoc(ObjectNode desired, ObjectNode reported, ObjectNode metaDesired, ObjectNode metaReported) {
        this.desired = desired;
        this.reported = reported;
        this.metaDesired = metaDesired;
        this.metaReported = metaReported;
    }

    public static ShadowDoc empty() {
        return new ShadowDoc(ShadowJson.object(), ShadowJson.object(), ShadowJson.object(), ShadowJson.object());
    }

    public static ShadowDoc parse(JsonMapper json, String text) {
        if (text == null) {
            return empty();
        }
        JsonNode n = json.readTree(text);
        return new ShadowDoc(obj(n.get("desired")), obj(n.get(REPORTED)), obj(n.path("metadata").get("desired")),
                obj(n.path("metadata").get("reported")));
    }

    private static ObjectNode obj(JsonNode n) {
        return n instanceof ObjectNode o ? o : ShadowJson.object();
    }

    public String toJson(JsonMapper json) {
        ObjectNode n = ShadowJson.object();
        n.set("desired", desired);
        n.set(REPORTED, reported);
        ObjectNode m = n.putObject("metadata");
        m.set("desired", metaDesired);
        m.set("reported", metaReported);
        return json.writeValueAsString(n);
    }

    /** Applies a section update: {@code null} clears the section, an object is merged into it. */
    public void apply(String section, JsonNode patch, long timestampSeconds) {
        boolean isDesired = section.equals("desired");
        ObjectNode target = isDesired ? desired : reported;
        ObjectNode meta = isDesired ? metaDesired : metaReported;
        if (patch == null || patch.isNull()) {
            target.removeAll();
            meta.removeAll();
        } else {
            ShadowJson.merge(target, meta, patch, timestampSeconds);
        }
    }

    /** The {@code desired} or {@code reported} section as it stands. */
    public ObjectNode section(String section) {
        return section.equals("desired") ? desired : reported;
    }

    /** Size of desired + reported, serialized as UTF-8 JSON. */
    public int stateBytes(JsonMapper json) {
        return json.writeValueAsString(desired).getBytes(StandardCharsets.UTF_8).length
                + json.writeValueAsString(reported).getBytes(StandardCharsets.UTF_8).length;
    }

    public ObjectNode delta() {
        return ShadowJson.delta(desired, reported);
    }

    public Shadow view(UUID deviceId, String name, long version, long timestampSeconds) {
        return new Shadow(deviceId, name.isEmpty() ? null : name, version,
                new Shadow.State(desired.deepCopy(), reported.deepCopy(), delta()),
                new Shadow.Metadata(metaDesired.deepCopy(), metaReported.deepCopy()), timestampSeconds, null);
    }
}
