package io.fleetkeeper.template;

import io.fleetkeeper.device.DeviceRules;
import io.fleetkeeper.web.Violations;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/** Validation of template fields and of the per-device instances made from them. */
final class TemplateRules {

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** A sensor key: usable as a telemetry field and in the fleet query ({@code sensor.KEY}). */
    static final Pattern SENSOR_KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    static final Pattern SLOT = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
    static final Pattern KIND = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");
    static final Pattern FIRMWARE = Pattern.compile("(>=|<=|>|<|=)?[0-9A-Za-z.+_-]{1,32}");
    static final Set<String> DATA_TYPES = Set.of("number", "integer", "boolean", "string");
    static final Set<String> TRANSPORTS = Set.of("mqtt", "https", "cellular", "lorawan", "other");
    /** Settings keys that look like secrets: refused, secrets belong to the device secrets feature. */
    static final Pattern SECRET_KEY = Pattern.compile("(?i).*(password|secret|token|app_?key|private).*");
    static final int MAX_SENSORS = 100;
    static final int MAX_MODULES = 32;
    static final int MAX_TEXT = 128;
    static final int MAX_JSON = 16_384;
    static final long MAX_INTERVAL = 30L * 24 * 3600;

    private TemplateRules() {
    }

    static TemplateSpec spec(Violations v, TemplateFields in) {
        if (in.name() == null || !NAME.matcher(in.name()).matches()) {
            v.add("name", "must be 1-64 letters, digits or '_.-', starting with a letter or digit");
        }
        if (in.deviceType() == null) {
            v.add("device_type", "is required");
        } else {
            DeviceRules.type(v, in.deviceType());
        }
        v.maxLength("description", in.description(), 1024);
        Map<String, Object> defaults = DeviceRules.metadata(v, in.metadataDefaults());
        List<String> required = new ArrayList<>();
        List<String> keys = in.requiredMetadata() == null ? List.of() : in.requiredMetadata();
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            if (k == null || !DeviceRules.META_KEY.matcher(k).matches()) {
                v.add("required_metadata[" + i + "]", "must be a metadata key (1-64 letters, digits or '_.-')");
            } else if (!required.contains(k)) {
                required.add(k);
            }
        }
        JsonNode desired = in.shadowDesired();
        if (desired != null && !desired.isNull()) {
            if (!desired.isObject()) {
                v.add("shadow_desired", "must be a JSON object");
            } else if (desired.toString().length() > MAX_JSON) {
                v.add("shadow_desired", "at most " + MAX_JSON + " bytes");
            }
        } else {
            desired = null;
        }
        List<TemplateSpec.Sensor> sensors = in.sensors() == null ? List.of() : in.sensors();
        if (sensors.size() > MAX_SENSORS) {
            v.add("sensors", "at most " + MAX_SENSORS);
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < sensors.size(); i++) {
            sensor(v, "sensors[" + i + "]", sensors.get(i), seen);
        }
        List<TemplateSpec.Module> modules = in.modules() == null ? List.of() : in.modules();
        if (modules.size() > MAX_MODULES) {
            v.add("modules", "at most " + MAX_MODULES);
        }
        seen.clear();
        for (int i = 0; i < modules.size(); i++) {
            TemplateSpec.Module m = modules.get(i);
            String f = "modules[" + i + "]";
            if (m == null) {
                v.add(f, "must be an object");
                continue;
            }
            slot(v, f + ".slot", m.slot());
            if (m.slot() != null && !seen.add(m.slot())) {
                v.add(f + ".slot", "is used twice");
            }
            kind(v, f + ".kind", m.kind());
            if (m.firmware() != null && !FIRMWARE.matcher(m.firmware()).matches()) {
                v.add(f + ".firmware", "must be a version, optionally after >=, <=, >, < or =");
            }
        }
        List<TemplateSpec.Transport> transports = in.transports() == null ? List.of() : in.transports();
        seen.clear();
        for (int i = 0; i < transports.size(); i++) {
            TemplateSpec.Transport t = transports.get(i);
            String f = "transports[" + i + "]";
            if (t == null) {
                v.add(f, "must be an object");
                continue;
            }
            transport(v, f, t.kind(), t.settings());
            if (t.kind() != null && !seen.add(t.kind())) {
                v.add(f + ".kind", "is used twice");
            }
        }
        return new TemplateSpec(defaults, List.copyOf(required), desired, in.shadowSchemas(), List.copyOf(sensors),
                List.copyOf(modules), List.copyOf(transports));
    }

    static void sensor(Violations v, String f, TemplateSpec.Sensor s, Set<String> seen) {
        if (s == null) {
            v.add(f, "must be an object");
            return;
        }
        if (s.key() == null || !SENSOR_KEY.matcher(s.key()).matches()) {
            v.add(f + ".key", "must be 1-64 letters, digits, '_' or '-'");
        } else if (!seen.add(s.key())) {
            v.add(f + ".key", "is used twice");
        }
        v.maxLength(f + ".name", s.name(), MAX_TEXT);
        v.maxLength(f + ".unit", s.unit(), 32);
        if (s.dataType() == null || !DATA_TYPES.contains(s.dataType())) {
            v.add(f + ".data_type", "must be one of number, integer, boolean, string");
        }
        range(v, f, s.dataType(), s.min(), s.max());
        interval(v, f + ".expected_interval", s.expectedInterval());
    }

    static void range(Violations v, String f, String dataType, Double min, Double max) {
        boolean numeric = "number".equals(dataType) || "integer".equals(dataType);
        if (!numeric && (min != null || max != null)) {
            v.add(f + ".min", "a range applies to number and integer sensors only");
        }
        if (min != null && max != null && min > max) {
            v.add(f + ".max", "must not be below min");
        }
    }

    static void interval(Violations v, String f, Long seconds) {
        if (seconds != null && (seconds < 1 || seconds > MAX_INTERVAL)) {
            v.add(f, "must be between 1 and " + MAX_INTERVAL + " seconds");
        }
    }

    static void slot(Violations v, String f, String slot) {
        if (slot == null || !SLOT.matcher(slot).matches()) {
            v.add(f, "must be 1-32 lower-case letters, digits, '_' or '-'");
        }
    }

    static void kind(Violations v, String f, String kind) {
        if (kind == null || !KIND.matcher(kind).matches()) {
            v.add(f, "must be 1-64 letters, digits or '_.:-'");
        }
    }

    static void transport(Violations v, String f, String kind, JsonNode settings) {
        if (kind == null || !TRANSPORTS.contains(kind)) {
            v.add(f + ".kind", "must be one of mqtt, https, cellular, lorawan, other");
        }
        if (settings != null && !settings.isNull()) {
            if (!settings.isObject()) {
                v.add(f + ".settings", "must be a JSON object");
            } else if (settings.toString().length() > 4096) {
                v.add(f + ".settings", "at most 4096 bytes");
            } else {
                for (String key : settings.propertyNames()) {
                    if (SECRET_KEY.matcher(key).matches()) {
                        v.add(f + ".settings." + key, "secrets do not belong in transport settings; use device secrets");
                    }
                }
            }
        }
    }

    /** Whether {@code version} satisfies {@code constraint} ({@code >=1.2}, {@code 2.0}, ...); dotted numbers compare numerically. */
    static boolean satisfies(String constraint, String version) {
        String op = constraint.startsWith(">=") || constraint.startsWith("<=") ? constraint.substring(0, 2)
                : constraint.startsWith(">") || constraint.startsWith("<") || constraint.startsWith("=")
                        ? constraint.substring(0, 1) : "=";
        String want = constraint.substring(op.equals("=") && !constraint.startsWith("=") ? 0 : op.length());
        int c = compare(version, want);
        return switch (op) {
            case ">=" -> c >= 0;
            case "<=" -> c <= 0;
            case ">" -> c > 0;
            case "<" -> c < 0;
            default -> c == 0;
        };
    }

    static int compare(String a, String b) {
        String[] x = a.split("[.+-]");
        String[] y = b.split("[.+-]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "0";
            String q = i < y.length ? y[i] : "0";
            int c = p.matches("\\d{1,9}") && q.matches("\\d{1,9}") ? Integer.compare(Integer.parseInt(p),
                    Integer.parseInt(q)) : p.compareTo(q);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
