package io.fleetkeeper.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetkeeper.testing.ApiTest;
import io.fleetkeeper.testing.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** What operators and tooling read without credentials: the OpenAPI document, probes and metrics. */
class OperationsEndpointsTests extends ApiTest {

    @Test
    void openApiDocumentIsVersion31AndDescribesTheApi() {
        JsonNode doc = api.get(null, "/v3/api-docs").expect(200);

        assertThat(doc.path("openapi").asString()).startsWith("3.1");
        assertThat(doc.path("paths").propertyNames()).contains("/api/v1/devices", "/api/v1/devices/{id}",
                "/api/v1/sites", "/api/v1/device-types", "/api/v1/tokens", "/api/v1/audit",
                "/api/v1/operator/tenants");
        assertThat(doc.path("components").path("securitySchemes").path("bearer").path("scheme").asString())
                .isEqualTo("bearer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/actuator/health", "/actuator/health/readiness", "/actuator/health/liveness"})
    void healthProbesAreUp(String path) {
        assertThat(api.get(null, path).expect(200).path("status").asString()).isEqualTo("UP");
    }

    @Test
    void prometheusMetricsAreExposedAsText() {
        api.get(null, "/api/v1/stats/devices");

        Reply reply = api.get(null, "/actuator/prometheus");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).startsWith("text/plain");
        assertThat(reply.body()).contains("# TYPE ", "jvm_memory_used_bytes", "http_server_requests_seconds_count");
    }
}
