package io.fleetkeeper.tenancy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The caller comes from the credential: the OpenAPI document shows it as no operation's parameter. */
class CallerOpenApiTests extends ApiTest {

    @Test
    void noOperationTakesTheCallerAsAParameter() {
        JsonNode paths = api.get(null, "/v3/api-docs").expect(200).path("paths");
        List<String> offending = new ArrayList<>();
        for (String path : paths.propertyNames()) {
            for (JsonNode operation : paths.path(path)) {
                for (JsonNode p : operation.path("parameters")) {
                    if (p.path("name").asString().equals("caller")) {
                        offending.add(path);
                    }
                }
            }
        }
        assertThat(paths.propertyNames()).contains("/api/v1/devices", "/api/v1/tokens");
        assertThat(offending).isEmpty();
    }
}
