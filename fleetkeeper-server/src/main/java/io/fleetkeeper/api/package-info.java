/**
 * The vocabulary every feature's API speaks, whatever calls it (HTTP, MQTT, EST, background work): failures
 * with a stable code ({@link io.fleetkeeper.api.ApiException}, {@link io.fleetkeeper.api.ErrorCode}) and keyset
 * pages ({@link io.fleetkeeper.api.Page}, {@link io.fleetkeeper.api.Cursor}). The {@code web} module renders them
 * as problem+json and JSON listings. It depends on no feature.
 */
@ApplicationModule(displayName = "api (shared)")
package io.fleetkeeper.api;

import org.springframework.modulith.ApplicationModule;
