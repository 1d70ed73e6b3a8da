package io.fleetkeeper.blobs.internal;

import java.util.regex.Pattern;

/** Namespaces and names a store accepts: nothing that could leave its directory or prefix. */
final class Names {

    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private Names() {
    }

    static void check(String namespace) {
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("invalid blob namespace");
        }
    }

    static void checkSha256(String sha256) {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("invalid blob name");
        }
    }
}
