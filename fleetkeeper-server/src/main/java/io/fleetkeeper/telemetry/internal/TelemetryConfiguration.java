package io.fleetkeeper.telemetry.internal;

import io.fleetkeeper.connectivity.ConnectivityProperties;
import io.fleetkeeper.device.DeviceHealthService;
import io.fleetkeeper.device.DeviceSensors;
import io.fleetkeeper.device.DeviceService;
import io.fleetkeeper.store.Dialect;
import io.fleetkeeper.store.Leases;
import io.fleetkeeper.telemetry.NatsProperties;
import io.fleetkeeper.telemetry.TelemetryProperties;
import io.fleetkeeper.telemetry.TelemetrySettingsService;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/** The telemetry feature's parts that are plain classes (so tests can build them with their own clock). */
@Configuration(proxyBeanMethods = false)
class TelemetryConfiguration {

    @Bean
    MessageParser telemetryMessageParser(TelemetryProperties props, Clock clock) {
        return new MessageParser(props, clock);
    }

    @Bean
    RejectionEvents telemetryRejectionEvents(DeviceService devices, JsonMapper json, TelemetryProperties props,
            Clock clock) {
        return new RejectionEvents(devices, json, props, clock);
    }

    /** The device's sensor definitions, from the template feature when it is there. */
    @Bean
    SensorReadings telemetrySensorReadings(ObjectProvider<DeviceSensors> sensors) {
        return new SensorReadings(sensors::getIfAvailable);
    }

    /** NATS JetStream when {@code fleetkeeper.nats.url} is set, else the embedded group-commit writer. */
    @Bean
    TelemetryPipeline telemetryPipeline(NatsProperties nats, TelemetryStore store, TelemetryProperties props,
            TelemetryMetrics metrics, JsonMapper json) {
        return nats.enabled() ? new JetStreamPipeline(nats, props, store, metrics, json)
                : new GroupCommitWriter(store, props);
    }

    @Bean
    HttpsRateLimiter telemetryHttpsRateLimiter(ConnectivityProperties mqtt, Clock clock) {
        return new HttpsRateLimiter(mqtt.publishesPerSecond(), clock);
    }

    @Bean
    Retention telemetryRetention(JdbcClient jdbc, Dialect dialect, Partitions partitions,
            SettingsRepository settings, TelemetryProperties props, Clock clock) {
        return new Retention(jdbc, dialect, partitions, settings, props, clock);
    }

    @Bean
    HealthEvaluator telemetryHealthEvaluator(DeviceHealthService devices, TelemetrySettingsService settings,
            Leases leases, TelemetryProperties props, JsonMapper json, Clock clock,
            ObjectProvider<DeviceSensors> sensors) {
        return new HealthEvaluator(devices, settings, leases, props, json, clock, sensors::getIfAvailable);
    }

    @Bean
    Maintenance telemetryMaintenance(Retention retention, Leases leases, TelemetryProperties props,
            TelemetryPipeline writer) {
        return new Maintenance(retention, leases, props, writer);
    }
}
