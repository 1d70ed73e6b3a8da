/**
 * Database plumbing shared by every feature: dialect, transactions, leases, ids and time columns. It names
 * no feature's tables and depends on no feature.
 */
@ApplicationModule(displayName = "store (shared)")
package io.fleetkeeper.store;

import org.springframework.modulith.ApplicationModule;
