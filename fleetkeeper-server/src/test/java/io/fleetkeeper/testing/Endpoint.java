package io.fleetkeeper.testing;

/**
 * One row of an endpoint table: a method, a path that may name the fixture's objects as {@code {device}},
 * {@code {site}}, {@code {type}}, {@code {token}} and {@code {tenant}}, and an optional JSON body.
 */
public record Endpoint(String method, String path, String body) {

    public static Endpoint get(String path) {
        return new Endpoint("GET", path, null);
    }

    public static Endpoint post(String path, String body) {
        return new Endpoint("POST", path, body);
    }

    public static Endpoint patch(String path, String body) {
        return new Endpoint("PATCH", path, body);
    }

    public static Endpoint delete(String path) {
        return new Endpoint("DELETE", path, null);
    }

    /** Calls the endpoint with {@code token}, on the objects of {@code objects}. */
    public Reply call(Api api, String token, TenantObjects objects) {
        return api.call(method, objects.resolve(path)).token(token).body(body).send();
    }

    @Override
    public String toString() {
        return method + " " + path;
    }
}
