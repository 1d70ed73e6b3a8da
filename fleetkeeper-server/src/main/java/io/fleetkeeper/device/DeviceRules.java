package io.fleetkeeper.device;

import io.fleetkeeper.device.internal.MetadataValues;
import io.fleetkeeper.web.Violations;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Field rules for devices; the limits are documented in the README. */
public final class DeviceRules {

    public static final int MAX_NAME = 128;
    public static final int MAX_SERIAL = 128;
    public static final int MAX_VERSION_TEXT = 64;
    public static final int MAX_TAGS = 32;
    public static final int MAX_METADATA_KEYS = 64;
    public static final int MAX_METADATA_VALUE = 1024;
    public static final int MAX_REASON = 512;

    public static final Pattern TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");
    public static final Pattern SERIAL = Pattern.compile("[\\x21-\\x7E]{1," + MAX_SERIAL + "}");
    public static final Pattern TAG = Pattern.compile("[A-Za-z0-9_.:/-]{1,64}");
    public static final Pattern META_KEY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    public static final Pattern ICON = Pattern.compile("[a-z0-9-]{1,64}");
    public static final Pattern ICON_COLOR = Pattern.compile("#[0-9A-Fa-f]{6}");

    private DeviceRules() {
    }

    public static void name(Violations v, String name) {
        v.required("name", name).maxLength("name", name, MAX_NAME);
        if (name != null && name.chars().anyMatch(Character::isISOControl)) {
            v.add("name", "must not contain control characters");
        }
    }

    public static void type(Violations v, String type) {
        v.required("device_type", type).pattern("device_type", type, TYPE,
                "1-64 letters, digits or '_.:-', starting with a letter or digit");
    }

    public static void serial(Violations v, String serial) {
        v.pattern("serial", serial, SERIAL, "1-" + MAX_SERIAL + " printable ASCII characters without spaces");
    }

    public static void versionText(Violations v, String field, String value) {
        v.maxLength(field, value, MAX_VERSION_TEXT);
    }

    /** An icon is a short token naming a picture the console knows; its colour is {@code #RRGGBB}. */
    public static void icon(Violations v, String icon, String iconColor) {
        v.pattern("icon", icon, ICON, "1-64 lower-case letters, digits or '-'");
        v.pattern("icon_color", iconColor, ICON_COLOR, "a colour written #RRGGBB (hexadecimal)");
    }

    /** Why a device was decommissioned: optional free text, without control characters. */
    public static void reason(Violations v, String reason) {
        v.maxLength("reason", reason, MAX_REASON);
        if (reason != null && (reason.isBlank() || reason.chars().anyMatch(Character::isISOControl))) {
            v.add("reason", "must not be blank or contain control characters");
        }
    }

    /** Validates and de-duplicates tags, keeping their order. */
    public static List<String> tags(Violations v, List<String> tags) {
        if (tags == null) {
            return List.of();
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (int i = 0; i < tags.size(); i++) {
            String t = tags.get(i);
            if (t == null || !TAG.matcher(t).matches()) {
                v.add("tags[" + i + "]", "must be 1-64 letters, digits or '_.:/-'");
            } else {
                out.add(t);
            }
        }
        if (out.size() > MAX_TAGS) {
            v.add("tags", "at most " + MAX_TAGS + " tags");
        }
        return new ArrayList<>(out);
    }

    /**
     * Validates metadata: keys by {@link #META_KEY}, values of any JSON type (a string, a number, a boolean,
     * null, an object or an array), each at most {@link #MAX_METADATA_VALUE} characters as text (a string
     * itself, any other value as JSON). Returns the values in their normal form ({@link MetadataValues}).
     */
    public static Map<String, Object> metadata(Violations v, Map<String, ?> metadata) {
        if (metadata == null) {
            return Map.of();
        }
        if (metadata.size() > MAX_METADATA_KEYS) {
            v.add("metadata", "at most " + MAX_METADATA_KEYS + " keys");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        metadata.forEach((k, raw) -> {
            if (!META_KEY.matcher(k).matches()) {
                v.add("metadata." + k, "key must be 1-64 letters, digits or '_.-'");
                return;
            }
            Object val;
            try {
                val = MetadataValues.normalize(raw);
            } catch (MetadataValues.Unsupported e) {
                v.add("metadata." + k, "value must be a JSON value: " + e.getMessage());
                return;
            }
            if (MetadataValues.text(val).length() > MAX_METADATA_VALUE) {
                v.add("metadata." + k, "value must be at most " + MAX_METADATA_VALUE + " characters"
                        + (val instanceof String ? "" : " as JSON"));
            } else {
                out.put(k, val);
            }
        });
        return out;
    }

    public static void requiredMetadata(Violations v, String type, List<String> required, Map<String, ?> meta) {
        for (String key : required) {
            if (!meta.containsKey(key)) {
                v.add("metadata." + key, "is required by device type '" + type + "'");
            }
        }
    }
}
