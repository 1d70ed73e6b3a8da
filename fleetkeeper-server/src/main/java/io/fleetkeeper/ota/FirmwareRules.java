package io.fleetkeeper.ota;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.web.Violations;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/** What a firmware and an artifact name may be. */
final class FirmwareRules {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._ -]{0,127}");
    /** Semver-like: starts with a digit or a letter; letters, digits and {@code . + - _ ~}. */
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+_~-]{0,63}");
    private static final Pattern DEVICE_TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");
    private static final Pattern FILENAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._+-]{0,127}");
    private static final int MAX_TYPES = 64;

    List<String> validate(NewFirmware in) {
        Violations v = new Violations().required("name", in.name()).required("version", in.version())
                .pattern("name", in.name(), NAME, "1 to 128 letters, digits, spaces, '.', '_' or '-'")
                .pattern("version", in.version(), VERSION,
                        "1 to 64 letters, digits, '.', '+', '-', '_' or '~' (e.g. 1.4.2 or 2.0.0-rc.1)");
        List<String> types = new ArrayList<>();
        if (in.deviceTypes() != null) {
            for (int i = 0; i < in.deviceTypes().size(); i++) {
                checkType(v, "device_types/" + i, in.deviceTypes().get(i));
            }
            types = List.copyOf(new LinkedHashSet<>(in.deviceTypes().stream().filter(t -> t != null).toList()));
        }
        if (types.size() > MAX_TYPES) {
            v.add("device_types", "at most " + MAX_TYPES + " device types");
        }
        texts(v, in.description(), in.releaseNotes());
        v.throwIfAny();
        return types;
    }

    void texts(Violations v, String description, String releaseNotes) {
        v.maxLength("description", description, 1024).maxLength("release_notes", releaseNotes, 65536);
    }

    List<String> deviceTypes(Violations v, JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            v.add("device_types", "must be an array of device type names");
            return List.of();
        }
        LinkedHashSet<String> types = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode t = node.get(i);
            if (!t.isString()) {
                v.add("device_types/" + i, "must be a string");
                continue;
            }
            checkType(v, "device_types/" + i, t.asString());
            types.add(t.asString());
        }
        if (types.size() > MAX_TYPES) {
            v.add("device_types", "at most " + MAX_TYPES + " device types");
        }
        return List.copyOf(types);
    }

    private static void checkType(Violations v, String field, String type) {
        if (type == null || !DEVICE_TYPE.matcher(type).matches()) {
            v.add(field, "must be a device type name (1 to 64 letters, digits, '.', '_', ':' or '-')");
        }
    }

    void refuseIdentityChange(JsonNode patch) {
        for (String field : List.of("name", "version")) {
            if (patch != null && patch.isObject() && patch.has(field)) {
                throw new ApiException(ErrorCode.READ_ONLY_FIELD, "name and version identify a firmware; create"
                        + " another one instead", List.of(new ApiException.FieldError(field, "cannot be changed")));
            }
        }
    }

    void filename(String filename) {
        new Violations().pattern("filename", filename, FILENAME,
                "1 to 128 letters, digits, '.', '_', '+' or '-', not starting with '.'").throwIfAny();
    }
}
