package io.fleetkeeper.event.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.device.NewDeviceEvent;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The {@code data} of a device event in the outbox: the device, the event, the actor and the details as JSON. */
class CloudEventsTests {

    private final JsonMapper json = JsonMapper.builder().build();
    private final CloudEvents events = new CloudEvents(json);
    private final UUID device = UUID.fromString("01a24159-bea8-7163-be83-49f936126b0c");

    @Test
    void theDataCarriesTheDetailsAsJsonAsATreeWouldWriteThem() {
        String details = "{ \"method\": \"claim_token\", \"n\": 3, \"x\": 1.5, \"ok\": true, \"none\": null,"
                + " \"list\": [1, \"two\", {\"q\": \"a\\\"b\\u00e9\"}], \"empty\": {} }";

        String data = events.data(new NewDeviceEvent(device, "PROVISIONED", "claim-token:7", details, Instant.EPOCH));

        assertThat(data).isEqualTo(treeWritten("PROVISIONED", "claim-token:7", details)).isEqualTo("{\"device_id\":\""
                + device + "\",\"event\":\"PROVISIONED\",\"actor\":\"claim-token:7\",\"details\":{\"method\":"
                + "\"claim_token\",\"n\":3,\"x\":1.5,\"ok\":true,\"none\":null,\"list\":[1,\"two\",{\"q\":\"a\\\"bé\"}],"
                + "\"empty\":{}}}");
    }

    @Test
    void withoutDetailsOrActorTheDataHasNoDetailsAndANullActor() {
        assertThat(events.data(new NewDeviceEvent(device, "CREATED", null, null, Instant.EPOCH)))
                .isEqualTo(treeWritten("CREATED", null, null))
                .isEqualTo("{\"device_id\":\"" + device + "\",\"event\":\"CREATED\",\"actor\":null}");
    }

    @Test
    void detailsThatAreNotOneJsonValueAreRefused() {
        for (String broken : new String[] {"{\"a\":", "{\"a\":1} {\"b\":2}", "{\"a\":\"unterminated}"}) {
            assertThatThrownBy(() -> events.data(new NewDeviceEvent(device, "UPDATED", "x", broken, Instant.EPOCH)))
                    .as(broken).isInstanceOf(RuntimeException.class);
        }
    }

    /** How the data was written before it was streamed: a tree, the details parsed into it. */
    private String treeWritten(String type, String actor, String details) {
        ObjectNode data = json.createObjectNode();
        data.put("device_id", device.toString());
        data.put("event", type);
        data.put("actor", actor);
        if (details != null) {
            data.set("details", json.readTree(details));
        }
        return json.writeValueAsString(data);
    }
}
