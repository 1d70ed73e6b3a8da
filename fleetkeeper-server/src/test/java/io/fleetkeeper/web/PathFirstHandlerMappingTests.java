package io.fleetkeeper.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PathFirstHandlerMappingTests {

    @Test
    void aPrefixIsTheWholeLiteralSegmentsBeforeTheFirstVariableOrWildcard() {
        assertThat(PathFirstHandlerMapping.prefix("/api/v1/devices/{id}")).isEqualTo("/api/v1/devices");
        assertThat(PathFirstHandlerMapping.prefix("/api/v1/devices/{id}/events")).isEqualTo("/api/v1/devices");
        assertThat(PathFirstHandlerMapping.prefix("/files/{name}.txt")).isEqualTo("/files");
        assertThat(PathFirstHandlerMapping.prefix("/api/v1/dev?ces")).isEqualTo("/api/v1");
        assertThat(PathFirstHandlerMapping.prefix("/app/**")).isEqualTo("/app");
        assertThat(PathFirstHandlerMapping.prefix("/{*path}")).isEmpty();
        assertThat(PathFirstHandlerMapping.prefix("/api/v1/devices")).isEqualTo("/api/v1/devices");
        assertThat(PathFirstHandlerMapping.prefix("")).isEmpty();
    }
}
