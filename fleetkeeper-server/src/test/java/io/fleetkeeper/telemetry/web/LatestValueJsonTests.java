package io.fleetkeeper.telemetry.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.telemetry.LatestValue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

/** The hand-written JSON of a latest value is, byte for byte, what the mapper writes for the record. */
class LatestValueJsonTests {

    private static final JsonMapper GENERIC = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
    private static final JsonMapper DIRECT = GENERIC.rebuild()
            .addModule(new SimpleModule().addSerializer(LatestValue.class, new LatestValueJson())).build();

    @Test
    void writesWhatTheRecordSerializationWrites() {
        List<LatestValue> values = new ArrayList<>();
        List<Instant> times = new ArrayList<>(List.of(Instant.EPOCH, Instant.ofEpochMilli(-1),
                Instant.ofEpochMilli(100), Instant.ofEpochMilli(1_000), Instant.ofEpochMilli(1_010),
                Instant.parse("2024-02-29T23:59:59.999Z"), Instant.parse("0000-01-01T00:00:00Z"),
                Instant.parse("9999-12-31T23:59:59.999Z"), Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.parse("-0001-12-31T23:59:59Z"), Instant.ofEpochSecond(5, 1_500),
                Instant.ofEpochSecond(-5, 120_000_000)));
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 2_000; i++) {
            times.add(Instant.ofEpochMilli(random.nextLong(-62_167_219_200_000L, 253_402_300_800_000L)));
        }
        List<Object> payloads = List.of(230.0, 20.5, -0.0, 1e-7, 1.7976931348623157e308, 42.000000000000004, true,
                false, "eco", "quote \" backslash \\ tab \t é ∑ 😀", "");
        for (int i = 0; i < times.size(); i++) {
            Object value = i % 13 == 12 ? null : payloads.get(i % payloads.size());
            values.add(new LatestValue(i % 3 == 0 ? null : "diag", "power.v" + i % 5, value, times.get(i),
                    i % 4 == 0 ? null : "°C"));
        }
        values.add(new LatestValue(null, "m", 1.0, null, null));
        String generic = GENERIC.writeValueAsString(values);
        assertThat(DIRECT.writeValueAsString(values)).isEqualTo(generic);
        assertThat(generic).contains("\"ts\":\"1970-01-01T00:00:00Z\"", "\"ts\":\"1969-12-31T23:59:59.999Z\"",
                "\"ts\":\"1970-01-01T00:00:00.100Z\"", "\"value\":230.0", "\"unit\":null");
    }
}
