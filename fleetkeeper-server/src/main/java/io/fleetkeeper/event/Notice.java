package io.fleetkeeper.event;

import jakarta.annotation.Nullable;
import java.net.URI;
import java.util.Map;

/**
 * A one-off message to a notification channel that is not an alert (a scheduled export's link, for instance):
 * {@code type} names it for webhooks (e.g. {@code export.succeeded}), {@code title} is its one-line summary,
 * {@code facts} are shown in order, and {@code link}, when present, is offered as {@code linkText}.
 */
public record Notice(String type, String title, Map<String, String> facts, @Nullable URI link,
        @Nullable String linkText) {
}
