package io.fleetkeeper.carrier;

import jakarta.annotation.Nullable;
import java.util.List;

/** A data plan a carrier offers: its id (what a SIM provisioning names), name, included data and zones. */
public record CarrierPlan(String id, String name, @Nullable Long dataBytes, List<String> zones) {
}
