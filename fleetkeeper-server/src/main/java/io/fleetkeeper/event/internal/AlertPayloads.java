package io.fleetkeeper.event.internal;

import io.fleetkeeper.event.Alert;
import io.fleetkeeper.event.AlertService;
import io.fleetkeeper.event.NotificationChannel;
import io.fleetkeeper.event.Notice;
import java.util.Locale;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The body of a notification in each provider's documented format: a Slack incoming webhook message
 * ({@code text} with {@code blocks}), a Microsoft Teams message carrying an Adaptive Card (accepted by Teams
 * workflow webhooks and incoming webhooks), a PagerDuty Events API v2 event ({@code routing_key},
 * {@code event_action}, {@code dedup_key}, and {@code payload} on trigger), or our own JSON for a webhook.
 */
@Component
public class AlertPayloads {

    private static final int PAGERDUTY_SUMMARY_MAX = 1024;

    private final JsonMapper json;

    AlertPayloads(JsonMapper json) {
        this.json = json;
    }

    /**
     * The body of a {@link Notice} for Slack, Teams or a webhook (PagerDuty takes alerts only): Slack a
     * {@code text} with a section and its facts, Teams an Adaptive Card with a FactSet and an
     * {@code Action.OpenUrl}, a webhook {@code {type, tenant_id, title, facts, link}}.
     */
    public String notice(String kind, UUID tenantId, Notice n) {
        String link = n.link() == null ? null : n.link().toString();
        String linkText = n.linkText() == null ? "Open" : n.linkText();
        ObjectNode m = json.createObjectNode();
        switch (kind) {
            case NotificationChannel.SLACK -> {
                StringBuilder facts = new StringBuilder();
                n.facts().forEach((k, v) -> facts.append(k).append(": ").append(v).append('\n'));
                if (link != null) {
                    facts.append('<').append(link).append('|').append(linkText).append('>');
                }
                m.put("text", n.title());
                ArrayNode blocks = m.putArray("blocks");
                blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn")
                        .put("text", "*" + n.title() + "*");
                blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn")
                        .put("text", facts.toString().strip());
            }
            case NotificationChannel.TEAMS -> {
                m.put("type", "message");
                ObjectNode card = m.putArray("attachments").addObject()
                        .put("contentType", "application/vnd.microsoft.card.adaptive").putObject("content");
                card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json").put("type", "AdaptiveCard")
                        .put("version", "1.4");
                ArrayNode body = card.putArray("body");
                body.addObject().put("type", "TextBlock").put("text", n.title()).put("weight", "Bolder")
                        .put("wrap", true);
                ArrayNode facts = body.addObject().put("type", "FactSet").putArray("facts");
                n.facts().forEach((k, v) -> facts.addObject().put("title", k).put("value", v));
                if (link != null) {
                    card.putArray("actions").addObject().put("type", "Action.OpenUrl").put("title", linkText)
                            .put("url", link);
                }
            }
            case NotificationChannel.WEBHOOK -> {
                m.put("type", n.type()).put("tenant_id", tenantId.toString()).put("title", n.title());
                ObjectNode facts = m.putObject("facts");
                n.facts().forEach(facts::put);
                m.put("link", link);
            }
            default -> throw new IllegalArgumentException("a " + kind + " channel takes alerts only");
        }
        return json.writeValueAsString(m);
    }

    /** The body to send; {@code secret} is the routing key for PagerDuty (the URL for the others). */
    public String body(String kind, String secret, UUID tenantId, Alert a, String action) {
        return json.writeValueAsString(switch (kind) {
            case NotificationChannel.SLACK -> slack(a, action);
            case NotificationChannel.TEAMS -> teams(a, action);
            case NotificationChannel.PAGERDUTY -> pagerDuty(secret, tenantId, a, action);
            default -> webhook(tenantId, a, action);
        });
    }

    static String headline(Alert a, String action) {
        String what = switch (action) {
            case AlertService.ACKNOWLEDGE -> "Acknowledged";
            case AlertService.RESOLVE -> "Resolved";
            default -> "Alert";
        };
        return what + " [" + a.severity().toUpperCase(Locale.ROOT) + "] " + a.summary();
    }

    private ObjectNode slack(Alert a, String action) {
        ObjectNode m = json.createObjectNode().put("text", headline(a, action));
        ArrayNode blocks = m.putArray("blocks");
        blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn")
                .put("text", "*" + headline(a, action) + "*");
        blocks.addObject().put("type", "context").putArray("elements").addObject().put("type", "mrkdwn")
                .put("text", "status " + status(action) + " · rule kind " + a.kind() + " · dedupe key `"
                        + a.dedupeKey() + "` · alert " + a.id());
        return m;
    }

    private ObjectNode teams(Alert a, String action) {
        ObjectNode m = json.createObjectNode().put("type", "message");
        ObjectNode card = m.putArray("attachments").addObject()
                .put("contentType", "application/vnd.microsoft.card.adaptive").putObject("content");
        card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json").put("type", "AdaptiveCard")
                .put("version", "1.4");
        ArrayNode body = card.putArray("body");
        body.addObject().put("type", "TextBlock").put("text", headline(a, action)).put("weight", "Bolder")
                .put("wrap", true);
        ArrayNode facts = body.addObject().put("type", "FactSet").putArray("facts");
        facts.addObject().put("title", "Status").put("value", status(action));
        facts.addObject().put("title", "Severity").put("value", a.severity());
        facts.addObject().put("title", "Kind").put("value", a.kind());
        facts.addObject().put("title", "Dedupe key").put("value", a.dedupeKey());
        facts.addObject().put("title", "Alert").put("value", a.id().toString());
        return m;
    }

    private ObjectNode pagerDuty(String routingKey, UUID tenantId, Alert a, String action) {
        ObjectNode e = json.createObjectNode().put("routing_key", routingKey).put("event_action", action)
                .put("dedup_key", a.dedupeKey());
        if (action.equals(AlertService.TRIGGER)) {
            String summary = a.summary().length() > PAGERDUTY_SUMMARY_MAX
                    ? a.summary().substring(0, PAGERDUTY_SUMMARY_MAX) : a.summary();
            ObjectNode p = e.put("client", "Fleetkeeper").putObject("payload").put("summary", summary)
                    .put("source", a.deviceId() != null ? "device " + a.deviceId() : "tenant " + tenantId)
                    .put("severity", a.severity()).put("timestamp", a.openedAt().toString())
                    .put("component", a.kind());
            p.putObject("custom_details").put("alert_id", a.id().toString()).put("rule_id", a.ruleId().toString())
                    .put("tenant_id", tenantId.toString());
        }
        return e;
    }

    private ObjectNode webhook(UUID tenantId, Alert a, String action) {
        ObjectNode m = json.createObjectNode().put("type", "alert." + action).put("tenant_id", tenantId.toString());
        m.set("alert", json.valueToTree(a));
        return m;
    }

    private static String status(String action) {
        return switch (action) {
            case AlertService.ACKNOWLEDGE -> Alert.ACKNOWLEDGED;
            case AlertService.RESOLVE -> Alert.RESOLVED;
            default -> Alert.OPEN;
        };
    }
}
