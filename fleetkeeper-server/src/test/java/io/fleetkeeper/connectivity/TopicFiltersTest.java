package io.fleetkeeper.connectivity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** MQTT filter matching as the specification's examples define it. */
class TopicFiltersTest {

    @ParameterizedTest(name = "{0} ~ {1} -> {2}")
    @CsvSource({
        "a/b/c, a/b/c, true", "a/b/c, a/b, false", "a/b, a/b/c, false",
        "a/+/c, a/b/c, true", "a/+/c, a/b/d, false", "a/+, a/, true", "a/+, a, false", "+/+, a/b, true",
        "+, a/b, false", "a/#, a, true", "a/#, a/b/c, true", "a/#, ab, false", "#, a/b, true",
        "shadow/update/delta, shadow/update/delta, true", "shadow/#, shadow/name/x/update/delta, true",
        "shadow/name/+/update/delta, shadow/name/x/update/delta, true", "commands/+, commands/x/ack, false",
        "a//b, a//b, true", "a/+/b, a//b, true"})
    void matchesLikeTheSpecification(String filter, String topic, boolean expected) {
        assertThat(TopicFilters.matches(filter, topic)).isEqualTo(expected);
    }
}
