package io.fleetkeeper.shadow;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A shadow document: what the operator wants ({@code state.desired}), what the device last reported
 * ({@code state.reported}), the difference ({@code state.delta}, computed), the time each leaf was last
 * written ({@code metadata}, same shape, epoch seconds), the version and the time of the last write.
 *
 * @param name        the named shadow's name; absent for the classic shadow
 * @param version     increases with every write and delete; never reused, also across delete and re-create
 * @param timestamp   epoch seconds of the last write
 * @param clientToken echoed from the request that produced this answer, when it carried one
 */
public record Shadow(UUID deviceId, @JsonInclude(JsonInclude.Include.NON_NULL) String name, long version,
        State state, Metadata metadata, long timestamp,
        @JsonInclude(JsonInclude.Include.NON_NULL) String clientToken) {

    public record State(JsonNode desired, JsonNode reported, JsonNode delta) {
    }

    public record Metadata(JsonNode desired, JsonNode reported) {
    }

    public Shadow withClientToken(String token) {
        return new Shadow(deviceId, name, version, state, metadata, timestamp, token);
    }

    /** The delta alone, as devices receive it. */
    public Delta delta() {
        return new Delta(deviceId, name, version, state.delta(), timestamp, clientToken);
    }

    /** What the device still has to apply: desired keys missing from or different from reported. */
    public record Delta(UUID deviceId, @JsonInclude(JsonInclude.Include.NON_NULL) String name, long version,
            JsonNode state, long timestamp, @JsonInclude(JsonInclude.Include.NON_NULL) String clientToken) {
    }
}
