package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.connectivity.DeviceMessage;
import io.fleetkeeper.connectivity.DeviceMessaging;
import io.fleetkeeper.connectivity.DeviceMessaging.Receipt;
import io.fleetkeeper.telemetry.TelemetryProperties;
import io.fleetkeeper.telemetry.TelemetryService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Telemetry over MQTT: {@code fk/<id>/telemetry} (the default stream) and {@code fk/<id>/telemetry/<stream>}, QoS
 * 0 and 1. The PUBACK waits for the message to be durable; a refused message gets PUBACK 0x99 on MQTT 5 and is
 * dropped (and counted) on MQTT 3.1.1; when it cannot be made durable there is no PUBACK and the client resends.
 */
@Component
class TelemetryTopics implements SmartInitializingSingleton {

    private final TelemetryService telemetry;
    private final TelemetryProperties props;
    private final JsonMapper json;
    private final ObjectProvider<DeviceMessaging> messaging;

    TelemetryTopics(TelemetryService telemetry, TelemetryProperties props, JsonMapper json,
            ObjectProvider<DeviceMessaging> messaging) {
        this.telemetry = telemetry;
        this.props = props;
        this.json = json;
        this.messaging = messaging;
    }

    @Override
    public void afterSingletonsInstantiated() {
        DeviceMessaging m = messaging.getIfAvailable();
        if (m != null) {
            m.acknowledge("telemetry", this::onMessage);
            m.acknowledge("telemetry/+", this::onMessage);
        }
    }

    CompletionStage<Receipt> onMessage(DeviceMessage m) {
        String stream = m.suffix().equals("telemetry") ? "" : m.suffix().substring("telemetry/".length());
        JsonNode body = null;
        ApiException early = null;
        if (!stream.isEmpty() && !MessageParser.NAME.matcher(stream).matches()) {
            early = new ApiException(ErrorCode.VALIDATION_FAILED, "a stream name is 1 to 64 letters, digits, _ or -");
        } else if (m.payload().length > props.maxMessageBytes()) {
            early = new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "a telemetry message is at most "
                    + props.maxMessageBytes() + " bytes");
        } else {
            try {
                body = json.readTree(m.payload());
            } catch (JacksonException e) {
                early = new ApiException(ErrorCode.MALFORMED_REQUEST, "the payload is not JSON");
            }
        }
        try {
            if (early != null) {
                telemetry.refused(m.tenantId(), m.deviceId(), TelemetryService.MQTT, early);
            }
            return telemetry.ingest(m.tenantId(), m.deviceId(), TelemetryService.MQTT, body, stream,
                    m.payload().length).handle((n, failure) -> failure == null ? Receipt.ACCEPTED : Receipt.UNAVAILABLE);
        } catch (ApiException e) {
            return CompletableFuture.completedFuture(Receipt.REFUSED);
        }
    }
}
