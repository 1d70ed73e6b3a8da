package io.fleetkeeper;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A module's tables are its own: SQL in one module (the string literals and text blocks under
 * {@code src/main/java/io/fleetkeeper/<module>/}) names no table that another module owns. Other modules
 * reach that data through the owner's API. The owner of every table the Flyway migrations create is
 * listed in {@link #OWNER}; the uses not yet moved behind an API are listed, with a reason, in
 * {@link #ALLOWED}. The device feature's alias {@code d} is its own as well: the features that contribute
 * conditions on devices correlate on the column the device feature hands them.
 */
class SqlOwnershipTests {

    private static final Path SOURCES = Path.of("src/main/java/io/fleetkeeper");
    private static final List<Path> MIGRATIONS = List.of(Path.of("src/main/resources/db/migration/sqlite"),
            Path.of("src/main/resources/db/migration/postgresql"));

    /** Table → the module (package under {@code io.fleetkeeper}) whose SQL alone may name it. */
    static final Map<String, String> OWNER = Map.ofEntries(
            entry("tenants", "tenancy"), entry("api_tokens", "tenancy"),
            entry("audit_log", "audit"),
            entry("sites", "device"), entry("device_types", "device"), entry("devices", "device"),
            entry("device_metadata", "device"), entry("device_tags", "device"), entry("device_events", "device"),
            entry("device_stats", "device"),
            entry("device_templates", "template"), entry("device_sensors", "template"),
            entry("device_transports", "template"), entry("device_modules", "template"),
            entry("certificate_authorities", "pki"), entry("code_signing_keys", "pki"),
            entry("code_signing_revocations", "pki"), entry("certificates", "pki"),
            entry("crls", "pki"), entry("pki_policies", "pki"), entry("platform_secrets", "pki"),
            entry("leases", "store"),
            entry("provisioning_keys", "provisioning"), entry("claim_tokens", "provisioning"),
            entry("device_credentials", "credentials"), entry("device_provenance", "provisioning"),
            entry("manifests", "provisioning"), entry("manifest_entries", "provisioning"),
            entry("provisioning_settings", "provisioning"), entry("enrollment_codes", "provisioning"),
            entry("bootstrap_configurations", "provisioning"),
            entry("fleet_groups", "fleet"), entry("fleet_group_members", "fleet"),
            entry("device_connections", "connectivity"), entry("connectivity_nodes", "connectivity"),
            entry("shadows", "shadow"), entry("shadow_history", "shadow"), entry("shadow_schemas", "shadow"),
            entry("commands", "command"),
            entry("jobs", "job"), entry("job_executions", "job"),
            entry("device_secrets", "secrets"), entry("device_secret_versions", "secrets"),
            entry("outbox", "event"), entry("event_cursors", "event"), entry("routes", "event"),
            entry("route_deliveries", "event"), entry("notification_channels", "event"),
            entry("carrier_integrations", "carrier"), entry("device_sims", "carrier"),
            entry("alert_rules", "event"), entry("alerts", "event"), entry("alert_history", "event"),
            entry("oncall_schedules", "event"), entry("oncall_overrides", "event"),
            entry("escalation_policies", "event"),
            entry("alert_notifications", "event"),
            entry("blobs", "blobs"), entry("blob_usage", "blobs"),
            entry("firmware", "ota"), entry("firmware_artifacts", "ota"),
            entry("telemetry", "telemetry"), entry("telemetry_messages", "telemetry"),
            entry("telemetry_latest", "telemetry"), entry("telemetry_settings", "telemetry"),
            entry("telemetry_rollup", "telemetry"),
            entry("exports", "export"),
            entry("export_schedules", "export"),
            entry("ota_campaigns", "ota"), entry("ota_actions", "ota"),
            entry("console_sessions", "console"),
            entry("console_fleet_samples", "console"));

    /**
     * Uses of another module's table, as {@code "<file under io/fleetkeeper> -> <table>"}, with the reason.
     * Every entry must still be a use (a stale entry fails), so the list only shrinks as code moves.
     */
    static final Map<String, String> ALLOWED = Map.of("event/EventTypes.java -> telemetry",
            "not SQL: the CloudEvents type io.fleetkeeper.telemetry.received reads like a qualified name");

    private static final Pattern CREATE_TABLE = Pattern.compile(
            "(?i)\\bCREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?\"?(\\w+)");
    /** A table named after FROM, JOIN, INTO, UPDATE or TABLE, and those after a comma in a FROM list. */
    private static final Pattern TABLE_REF = Pattern.compile(
            "(?i)\\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\\s+(\\w+)((?:\\s+(?:AS\\s+)?\\w+)?(?:\\s*,\\s*\\w+(?:\\s+(?:AS\\s+)?\\w+)?)*)");
    private static final Pattern LISTED = Pattern.compile(",\\s*(\\w+)");
    /** A column of the device feature's alias, e.g. {@code d.id}. */
    private static final Pattern DEVICE_ALIAS = Pattern.compile("(?<![\\w.])d\\.[a-z_]+\\b");
    /** A column qualified by its table's name, e.g. {@code devices.tenant_id}. */
    private static final Pattern QUALIFIED = Pattern.compile("\\b(\\w+)\\.\\w+");

    @Test
    void everyTableTheMigrationsCreateHasAnOwner() throws IOException {
        Set<String> created = new TreeSet<>();
        for (Path dir : MIGRATIONS) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".sql")).toList()) {
                    Matcher m = CREATE_TABLE.matcher(Files.readString(file));
                    while (m.find()) {
                        created.add(m.group(1).toLowerCase());
                    }
                }
            }
        }
        assertThat(created).as("tables created by the migrations; give each new one an owner in OWNER")
                .containsExactlyInAnyOrderElementsOf(OWNER.keySet());
    }

    @Test
    void noModuleNamesAnotherModulesTable() throws IOException {
        List<String> violations = new ArrayList<>();
        uses().forEach((use, where) -> {
            if (!ALLOWED.containsKey(use)) {
                violations.add(where + " names " + use.substring(use.indexOf("-> ") + 3) + ", a table of "
                        + OWNER.get(use.substring(use.indexOf("-> ") + 3)));
            }
        });
        assertThat(violations).as("SQL naming another module's table (use the owner's API instead, or "
                + "allow-list it in SqlOwnershipTests.ALLOWED with a reason)").isEmpty();
    }

    /**
     * The device feature's alias {@code d} is its own too: a condition another module contributes (connection
     * state, shadows, group members) correlates on the device id column the device feature hands it, so renaming
     * the alias or a column breaks nothing outside {@code device}.
     */
    @Test
    void noModuleButTheDeviceFeatureAssumesItsAlias() throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                Path relative = SOURCES.relativize(file);
                if (relative.getNameCount() < 2 || relative.getName(0).toString().equals("device")) {
                    continue;
                }
                for (Literal literal : literals(Files.readString(file))) {
                    if (DEVICE_ALIAS.matcher(literal.text()).find()) {
                        violations.add(relative + ":" + literal.line() + " " + literal.text().strip());
                    }
                }
            }
        }
        assertThat(violations).as("SQL outside the device feature naming its alias d").isEmpty();
    }

    @Test
    void everyAllowListEntryIsStillAUse() throws IOException {
        Set<String> stale = new TreeSet<>(ALLOWED.keySet());
        stale.removeAll(uses().keySet());
        assertThat(stale).as("allow-list entries no longer needed: remove them from SqlOwnershipTests.ALLOWED")
                .isEmpty();
    }

    /** Each use of a foreign table as {@code "<file> -> <table>"}, mapped to where it first occurs. */
    private static Map<String, String> uses() throws IOException {
        Map<String, String> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                Path relative = SOURCES.relativize(file);
                if (relative.getNameCount() < 2) {
                    continue;
                }
                String module = relative.getName(0).toString();
                String name = relative.toString().replace('\\', '/');
                for (Literal literal : literals(Files.readString(file))) {
                    for (String table : tablesIn(literal.text())) {
                        String owner = OWNER.get(table);
                        if (owner != null && !owner.equals(module)) {
                            uses.putIfAbsent(name + " -> " + table, name + ":" + literal.line());
                        }
                    }
                }
            }
        }
        return uses;
    }

    static Set<String> tablesIn(String sql) {
        Set<String> tables = new TreeSet<>();
        Matcher m = TABLE_REF.matcher(sql);
        while (m.find()) {
            tables.add(m.group(1).toLowerCase());
            Matcher listed = LISTED.matcher(m.group(2));
            while (listed.find()) {
                tables.add(listed.group(1).toLowerCase());
            }
        }
        Matcher q = QUALIFIED.matcher(sql);
        while (q.find()) {
            tables.add(q.group(1).toLowerCase());
        }
        tables.retainAll(OWNER.keySet());
        return tables;
    }

    record Literal(String text, int line) {
    }

    /** The string literals and text blocks of a Java source, skipping comments and char literals. */
    static List<Literal> literals(String src) {
        List<Literal> out = new ArrayList<>();
        int line = 1;
        int i = 0;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (src.startsWith("//", i)) {
                i = src.indexOf('\n', i) < 0 ? src.length() : src.indexOf('\n', i);
            } else if (src.startsWith("/*", i)) {
                int end = src.indexOf("*/", i + 2);
                end = end < 0 ? src.length() : end + 2;
                line += count(src, i, end);
                i = end;
            } else if (src.startsWith("\"\"\"", i)) {
                int end = i + 3;
                while (end < src.length() && !src.startsWith("\"\"\"", end)) {
                    end += src.charAt(end) == '\\' ? 2 : 1;
                }
                out.add(new Literal(src.substring(i + 3, Math.min(end, src.length())), line));
                line += count(src, i, Math.min(end, src.length()));
                i = end + 3;
            } else if (c == '"' || c == '\'') {
                int end = i + 1;
                while (end < src.length() && src.charAt(end) != c && src.charAt(end) != '\n') {
                    end += src.charAt(end) == '\\' ? 2 : 1;
                }
                if (c == '"') {
                    out.add(new Literal(src.substring(i + 1, Math.min(end, src.length())), line));
                }
                i = end + 1;
            } else {
                i++;
            }
        }
        return out;
    }

    private static int count(String s, int from, int to) {
        int n = 0;
        for (int k = from; k < to; k++) {
            if (s.charAt(k) == '\n') {
                n++;
            }
        }
        return n;
    }
}
