package io.fleetkeeper.device;

import io.fleetkeeper.store.Ids;
import io.fleetkeeper.web.MergePatch;
import io.fleetkeeper.web.Violations;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/** Applies an RFC 7396 JSON Merge Patch to a device's writable fields and validates the result. */
@Component
class DevicePatcher {

    static final Set<String> WRITABLE = Set.of("name", "device_type", "serial", "tags", "metadata",
            "firmware_version", "hardware_revision", "site", "icon", "icon_color", "parent_device_id");

    record Result(Device device, Set<String> changed) {
    }

    private final SiteService sites;
    private final DeviceTypeService types;
    private final Gateways gateways;

    DevicePatcher(SiteService sites, DeviceTypeService types, Gateways gateways) {
        this.sites = sites;
        this.types = types;
        this.gateways = gateways;
    }

    Result apply(UUID tenantId, Device cur, JsonNode patch, Instant now) {
        MergePatch mp = MergePatch.of(patch, WRITABLE);
        Violations v = new Violations();
        String name = mp.text(v, "name", cur.name());
        String type = mp.text(v, "device_type", cur.deviceType());
        String serial = mp.text(v, "serial", cur.serial());
        String firmware = mp.text(v, "firmware_version", cur.firmwareVersion());
        String hardware = mp.text(v, "hardware_revision", cur.hardwareRevision());
        String icon = mp.text(v, "icon", cur.icon());
        String iconColor = mp.text(v, "icon_color", cur.iconColor());
        UUID site = cur.site();
        if (mp.has("site")) {
            String s = mp.text(v, "site", null);
            site = s == null ? null : Ids.parseOrNull(s);
            if (s != null && site == null) {
                v.add("site", "must be a site id");
            }
        }
        UUID parent = cur.parentDeviceId();
        if (mp.has("parent_device_id")) {
            String p = mp.text(v, "parent_device_id", null);
            parent = p == null ? null : Ids.parseOrNull(p);
            if (p != null && parent == null) {
                v.add("parent_device_id", "must be a device id");
            }
        }
        List<String> tags = cur.tags();
        if (mp.has("tags")) {
            tags = tags(v, mp.get("tags"));
        }
        Map<String, Object> metadata = cur.metadata();
        if (mp.has("metadata")) {
            metadata = metadata(v, cur.metadata(), mp.get("metadata"));
        }
        v.throwIfAny();
        DeviceRules.name(v, name);
        DeviceRules.type(v, type);
        DeviceRules.serial(v, serial);
        DeviceRules.versionText(v, "firmware_version", firmware);
        DeviceRules.versionText(v, "hardware_revision", hardware);
        DeviceRules.icon(v, icon, iconColor);
        tags = DeviceRules.tags(v, tags);
        metadata = DeviceRules.metadata(v, metadata);
        if (v.isEmpty() && (!Objects.equals(type, cur.deviceType()) || !metadata.equals(cur.metadata()))) {
            DeviceRules.requiredMetadata(v, type, types.requiredMetadata(tenantId, type), metadata);
        }
        if (site != null && !site.equals(cur.site()) && !sites.exists(tenantId, site)) {
            v.add("site", "no such site");
        }
        if (parent != null && !parent.equals(cur.parentDeviceId())) {
            gateways.checkParent(v, tenantId, cur.id(), parent);
        }
        v.throwIfAny();
        Set<String> changed = new LinkedHashSet<>();
        diff(changed, "name", cur.name(), name);
        diff(changed, "device_type", cur.deviceType(), type);
        diff(changed, "serial", cur.serial(), serial);
        diff(changed, "firmware_version", cur.firmwareVersion(), firmware);
        diff(changed, "hardware_revision", cur.hardwareRevision(), hardware);
        diff(changed, "site", cur.site(), site);
        diff(changed, "icon", cur.icon(), icon);
        diff(changed, "icon_color", cur.iconColor(), iconColor);
        diff(changed, "tags", cur.tags(), tags);
        diff(changed, "metadata", cur.metadata(), metadata);
        diff(changed, "parent_device_id", cur.parentDeviceId(), parent);
        Device next = changed.isEmpty() ? cur : new Device(cur.id(), name, type, serial, cur.status(), cur.identityStatus(), cur.health(), firmware,
                hardware, site, icon, iconColor, tags, metadata, cur.registeredAt(), cur.lastSeenAt(), now, cur.version() + 1,
                cur.templateId(), cur.templateVersion(), parent);
        return new Result(next, changed);
    }

    private static void diff(Set<String> changed, String field, Object before, Object after) {
        if (!Objects.equals(before, after)) {
            changed.add(field);
        }
    }

    private static List<String> tags(Violations v, JsonNode n) {
        if (n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            v.add("tags", "must be an array of strings or null");
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (JsonNode t : n) {
            if (!t.isString()) {
                v.add("tags", "must be an array of strings or null");
                return List.of();
            }
            out.add(t.asString());
        }
        return out;
    }

    /** RFC 7396 on the metadata object: a null value removes its key, any other JSON value replaces it. */
    private static Map<String, Object> metadata(Violations v, Map<String, Object> cur, JsonNode n) {
        if (n.isNull()) {
            return Map.of();
        }
        if (!n.isObject()) {
            v.add("metadata", "must be an object, or null");
            return cur;
        }
        Map<String, Object> out = new LinkedHashMap<>(cur);
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            if (e.getValue().isNull()) {
                out.remove(e.getKey());
            } else {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }
}
