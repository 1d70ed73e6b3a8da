package io.fleetkeeper.device;

import java.util.UUID;

/** Compiles a fleet query (see the README) into a {@link DeviceCondition}; the fleet feature provides it. */
@FunctionalInterface
public interface DeviceQueryCompiler {

    /** The condition {@code query} stands for; null when the query is null or blank. */
    DeviceCondition compile(UUID tenantId, String query);
}
