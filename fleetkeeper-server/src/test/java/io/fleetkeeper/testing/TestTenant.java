package io.fleetkeeper.testing;

/** A tenant created for one test, with its initial admin token. */
public record TestTenant(String id, String name, String admin, String adminTokenId) {

    /** Creates a tenant named {@code name} through the operator API with the platform token. */
    public static TestTenant create(Api api, String platformToken, String name) {
        tools.jackson.databind.JsonNode created = api.post(platformToken, "/api/v1/operator/tenants",
                java.util.Map.of("name", name)).expect(201);
        return new TestTenant(created.path("tenant").path("id").asString(),
                created.path("tenant").path("name").asString(), created.path("admin_token").path("token").asString(),
                created.path("admin_token").path("id").asString());
    }

    /** How events and audit entries name the initial admin token. */
    public String adminActor() {
        return "token:" + adminTokenId;
    }
}
