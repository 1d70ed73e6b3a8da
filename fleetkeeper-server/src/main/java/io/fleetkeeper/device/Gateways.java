package io.fleetkeeper.device;

import io.fleetkeeper.device.internal.DeviceRepository;
import io.fleetkeeper.web.Violations;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The rules of gateways and their children: a parent is a device of the same tenant, chains are at most
 * {@link #MAX_DEPTH} devices long (gateway, child, grandchild) and never form a cycle.
 */
@Component
class Gateways {

    /** Most devices in a chain from a top gateway down to a leaf. */
    static final int MAX_DEPTH = 3;

    private final DeviceRepository devices;

    Gateways(DeviceRepository devices) {
        this.devices = devices;
    }

    /** Adds a violation when {@code device} (null for a new one) may not have {@code parent} as its gateway. */
    void checkParent(Violations v, UUID tenantId, UUID device, UUID parent) {
        if (parent.equals(device)) {
            v.add("parent_device_id", "a device cannot be its own gateway");
            return;
        }
        var p = devices.find(tenantId, parent);
        if (p.isEmpty()) {
            v.add("parent_device_id", "no such device");
            return;
        }
        if (p.get().status() == DeviceStatus.DECOMMISSIONED) {
            v.add("parent_device_id", "the gateway is decommissioned");
            return;
        }
        int above = 1;
        UUID up = p.get().parentDeviceId();
        while (up != null) {
            if (up.equals(device)) {
                v.add("parent_device_id", "would make a cycle of gateways");
                return;
            }
            above++;
            if (above >= MAX_DEPTH + 1) {
                break;
            }
            up = devices.parentOf(tenantId, up);
        }
        int below = device == null ? 1 : height(tenantId, device);
        if (above + below > MAX_DEPTH) {
            v.add("parent_device_id", "a chain of gateways is at most " + MAX_DEPTH + " devices deep");
        }
    }

    /** Levels of the subtree under {@code device}, itself included (1 for a device without children). */
    private int height(UUID tenantId, UUID device) {
        List<UUID> level = List.of(device);
        int h = 0;
        while (!level.isEmpty() && h <= MAX_DEPTH) {
            h++;
            List<UUID> next = new ArrayList<>();
            for (UUID id : level) {
                next.addAll(devices.children(tenantId, id, 1000));
            }
            level = next;
        }
        return h;
    }
}
