package io.fleetkeeper.event.internal;

import io.fleetkeeper.device.NewDeviceEvent;
import io.fleetkeeper.event.OutboxEvent;
import io.fleetkeeper.job.JobStatusChanged;
import java.io.StringWriter;
import org.springframework.stereotype.Component;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * CloudEvents 1.0 in the structured JSON format: {@code specversion}, {@code id}, {@code source}, {@code type},
 * {@code subject} (the device id), {@code time}, {@code datacontenttype}, the extension attribute
 * {@code tenantid} and {@code data}. Written with our Jackson: the CloudEvents SDK's JSON format binds Jackson
 * 2 while the server runs on Jackson 3, and the envelope is a flat object of named attributes.
 */
@Component
public class CloudEvents {

    public static final String CONTENT_TYPE = "application/cloudevents+json";

    private final JsonMapper json;

    CloudEvents(JsonMapper json) {
        this.json = json;
    }

    /** The {@code data} of a device-history event: the device, the history's own type, who, and its details. */
    public String data(NewDeviceEvent e) {
        // Streamed: the details (JSON text) are copied token by token, checked as they are read, with no tree
        // built and no second serialization, once per device event written.
        StringWriter out = new StringWriter(128 + (e.details() == null ? 0 : e.details().length()));
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("device_id", e.deviceId().toString());
            g.writeStringProperty("event", e.type());
            g.writeStringProperty("actor", e.actor());
            if (e.details() != null) {
                g.writeName("details");
                try (JsonParser p = json.createParser(e.details())) {
                    p.nextToken();
                    g.copyCurrentStructure(p);
                    if (p.nextToken() != null) {
                        throw new IllegalArgumentException("device event details are not one JSON value");
                    }
                }
            }
            g.writeEndObject();
        }
        return out.toString();
    }

    /** The {@code data} of a job's status change. */
    public String data(io.fleetkeeper.provisioning.ProvisioningFailed f) {
        ObjectNode data = json.createObjectNode();
        data.put("method", f.method());
        data.put("credential", f.credential());
        if (f.credentialId() != null) {
            data.put("credential_id", f.credentialId());
        }
        data.put("reason", f.reason());
        return json.writeValueAsString(data);
    }

    public String data(JobStatusChanged c) {
        ObjectNode data = json.createObjectNode();
        data.put("job_id", c.jobId().toString());
        data.put("status", c.to().name());
        if (c.from() != null) {
            data.put("from", c.from().name());
        }
        data.put("actor", c.actor());
        if (c.reason() != null) {
            data.put("reason", c.reason());
        }
        return json.writeValueAsString(data);
    }

    /** The structured-mode JSON of an event. */
    public String envelope(OutboxEvent e) {
        return json.writeValueAsString(node(e));
    }

    public ObjectNode node(OutboxEvent e) {
        ObjectNode ce = json.createObjectNode();
        ce.put("specversion", "1.0");
        ce.put("id", e.id());
        ce.put("source", "/fleetkeeper/tenants/" + e.tenantId());
        ce.put("type", e.type());
        if (e.deviceId() != null) {
            ce.put("subject", e.deviceId().toString());
        }
        ce.put("time", e.time().toString());
        ce.put("datacontenttype", "application/json");
        ce.put("tenantid", e.tenantId().toString());
        ce.set("data", json.readTree(e.data()));
        return ce;
    }
}
