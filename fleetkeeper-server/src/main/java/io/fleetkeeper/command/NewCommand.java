package io.fleetkeeper.command;

import tools.jackson.databind.JsonNode;

/**
 * A command to create. {@code ttl} in seconds (null: the configured default); {@code payload} any JSON.
 */
public record NewCommand(String name, JsonNode payload, Long ttl, String idempotencyKey) {
}
