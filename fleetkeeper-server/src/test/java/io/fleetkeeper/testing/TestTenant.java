package io.fleetkeeper.testing;

/** A tenant created for one test, with its initial admin token. */
public record TestTenant(String id, String name, String admin, String adminTokenId) {

    /** How events and audit entries name the initial admin token. */
    public String adminActor() {
        return "token:" + adminTokenId;
    }
}
