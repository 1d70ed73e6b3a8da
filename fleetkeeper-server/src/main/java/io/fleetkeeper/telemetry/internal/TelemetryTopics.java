package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.connectivity.DeviceMessage;
import io.fleetkeeper.connectivity.DeviceMessaging;
import io.fleetkeeper.connectivity.DeviceMessaging.Receipt;
import io.fleetkeeper.telemetry.TelemetryProperties;
import io.fleetkeeper.telemetry.TelemetryService;
import io.fleetkeeper.telemetry.TelemetrySettingsService;
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
 * dropped (and counted) on MQTT 3.1.1; when it cannot be made durable now, MQTT 5 gets PUBACK 0x97 and MQTT 3.1.1
 * none, and the client sends it again.
 */
@Component
class TelemetryTopics implements SmartInitializingSingleton {

    private final TelemetryService telemetry;
    private final TelemetryProperties props;
    private final JsonMapper json;
    private final ObjectProvider<DeviceMessaging> messaging;
    private final TelemetrySettingsService settings;
    private static final java.util.concurrent.Executor VIRTUAL = r -> Thread.ofVirtual().name("telemetry-mqtt").start(r);

    TelemetryTopics(TelemetryService telemetry, TelemetryProperties props, JsonMapper json,
            ObjectProvider<DeviceMessaging> messaging, TelemetrySettingsService settings) {
        this.settings = settings;
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

    /**
     * On the connection's network thread when the tenant's retention is in memory; otherwise on a virtual thread,
     * since finding it reads the store.
     */
    CompletionStage<Receipt> onMessage(DeviceMessage m) {
        if (settings.retentionCached(m.tenantId())) {
            return handle(m);
        }
        return CompletableFuture.supplyAsync(() -> handle(m), VIRTUAL).thenCompose(r -> r);
    }

    private CompletionStage<Receipt> handle(DeviceMessage m) {
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
