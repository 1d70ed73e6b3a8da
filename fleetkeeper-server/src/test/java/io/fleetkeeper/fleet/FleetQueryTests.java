package io.fleetkeeper.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleetkeeper.api.ApiException;
import io.fleetkeeper.api.ErrorCode;
import io.fleetkeeper.device.DeviceCondition;
import io.fleetkeeper.device.DeviceConditions;
import io.fleetkeeper.device.DeviceConnections;
import io.fleetkeeper.device.DeviceShadows;
import io.fleetkeeper.device.DeviceShadows.Comparison;
import io.fleetkeeper.fleet.internal.ConditionCompiler;
import io.fleetkeeper.store.Dialect;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The grammar: precedence, every operator, errors with their position, and what reaches SQL. */
class FleetQueryTests {

    static final UUID TENANT = UUID.fromString("00000000-0000-7000-8000-000000000001");
    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    static String tree(String query) {
        return FleetQuery.parse(query).toString();
    }

    static DeviceCondition sql(String query, Dialect dialect) {
        return compile(query, new DeviceConditions(dialect, null, null));
    }

    static DeviceCondition compile(String query, DeviceConditions conditions) {
        return ConditionCompiler.compile(FleetQuery.parse(query).root(), TENANT, NOW, conditions);
    }

    static ApiException error(String query) {
        try {
            FleetQuery.parse(query);
        } catch (ApiException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_QUERY);
            assertThat(e.getMessage()).contains("position " + e.properties().get("position"));
            return e;
        }
        throw new AssertionError("query parsed: " + query);
    }

    @Test
    void templateVersionAndSensorFieldsParseAndRefuseWhatTheyCannotTest() {
        assertThat(tree("template = \"meter-v2\" AND template_version < 3 AND sensor.temperature EXISTS"))
                .isEqualTo("((template = \"meter-v2\" AND template_version < 3) AND sensor.temperature EXISTS)");
        assertThat(tree("sensor.temperature.unit = \"Cel\"")).isEqualTo("sensor.temperature.unit = \"Cel\"");
        assertThat(sql("template_version >= 2", Dialect.SQLITE).sql())
                .isEqualTo("(d.template_version IS NOT NULL AND d.template_version >= ?)");
        assertThat(sql("template EXISTS", Dialect.SQLITE).sql()).isEqualTo("d.template_id IS NOT NULL");
        assertThat(error("template < \"a\"").getMessage()).contains("supports =, !=, IN and EXISTS only");
        assertThat(error("template = \"meter*\"").getMessage()).contains("does not take a prefix");
        assertThat(error("template_version = \"2\"").getMessage()).contains("a whole number");
        assertThat(error("template_version = 1.5").getMessage()).contains("a whole number");
        assertThat(error("sensor.temperature.colour = 1").getMessage()).contains("sensor.KEY.FIELD");
        assertThat(error("sensor.a.b.c = 1").properties().get("position")).isEqualTo(0);
        assertThat(error("sensor = 1").getMessage()).contains("sensor.KEY");
        assertThatThrownBy(() -> sql("sensor.temperature EXISTS", Dialect.SQLITE)).as("no provider")
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(
                        ErrorCode.INVALID_QUERY));
    }

    @Test
    void notBindsTighterThanAndWhichBindsTighterThanOr() {
        assertThat(tree("type = \"a\" OR type = \"b\" AND NOT type = \"c\""))
                .isEqualTo("(type = \"a\" OR (type = \"b\" AND NOT type = \"c\"))");
        assertThat(tree("NOT type = \"a\" AND type = \"b\"")).isEqualTo("(NOT type = \"a\" AND type = \"b\")");
        assertThat(tree("(type = \"a\" OR type = \"b\") AND type = \"c\""))
                .isEqualTo("((type = \"a\" OR type = \"b\") AND type = \"c\")");
        assertThat(tree("type = \"a\" or type = \"b\" and not type = \"c\""))
                .as("keywords are case-insensitive")
                .isEqualTo(tree("type = \"a\" OR type = \"b\" AND NOT type = \"c\""));
    }

    @Test
    void connectedCompilesToTheConditionConnectivityProvides() {
        DeviceConnections live = new DeviceConnections() {
            @Override
            public DeviceCondition connected(UUID tenantId, String deviceId) {
                assertThat(deviceId).as("the device id column to correlate on").isEqualTo("d.id");
                return new DeviceCondition("LIVE(?)", List.of(tenantId.toString()));
            }

            @Override
            public long connectedCount(UUID tenantId) {
                return 0;
            }
        };
        java.util.function.Function<String, DeviceCondition> compile = q -> compile(q,
                new DeviceConditions(Dialect.SQLITE, live, null));
        assertThat(compile.apply("connected = true").sql()).isEqualTo("(LIVE(?))");
        assertThat(compile.apply("connected = true").params()).containsExactly(TENANT.toString());
        assertThat(compile.apply("connected = FALSE").sql()).isEqualTo("NOT (LIVE(?))");
        assertThat(compile.apply("connected != true").sql()).isEqualTo("NOT ((LIVE(?)))");
        assertThat(compile.apply("connected = \"true\"").sql()).isEqualTo("(LIVE(?))");
        assertThat(compile.apply("connected IN (true, false)").sql()).isEqualTo("1 = 1");
        assertThat(compile.apply("connected EXISTS").sql()).as("every device has a connection state")
                .isEqualTo("1 = 1");
        assertThatThrownBy(() -> sql("connected = true", Dialect.SQLITE)).as("without connectivity")
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_QUERY));
    }

    @Test
    void theDocumentedExampleParsesAndCompilesToPlaceholdersOnly() {
        String q = "type = \"meter\" AND metadata.region IN (\"eu-west\", \"eu-north\") AND last_seen > now-1h "
                + "AND NOT tag = \"lab\"";
        assertThat(tree(q)).isEqualTo("(((type = \"meter\" AND metadata.region IN (\"eu-west\", \"eu-north\")) AND "
                + "last_seen > now-1h) AND NOT tag = \"lab\")");
        DeviceCondition c = sql(q, Dialect.SQLITE);
        assertThat(c.sql()).doesNotContain("meter", "eu-west", "lab", "region");
        assertThat(c.params()).containsExactly("meter", TENANT.toString(), "region", "string", "eu-west", "eu-north",
                NOW.toEpochMilli() - 3_600_000, TENANT.toString(), "lab");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "name = \"a\"                | name = \"a\"",
        "name != \"a\"               | name != \"a\"",
        "name < \"a\"                | name < \"a\"",
        "name <= \"a\"               | name <= \"a\"",
        "name > \"a\"                | name > \"a\"",
        "name >= \"a\"               | name >= \"a\"",
        "name IN (\"a\", \"b\")      | name IN (\"a\", \"b\")",
        "name NOT IN (\"a\")         | NOT name IN (\"a\")",
        "name = \"pump*\"            | name = \"pump*\"",
        "name = \"star\\*\"          | name = \"star\\*\"",
        "serial EXISTS              | serial EXISTS",
        "metadata.region EXISTS     | metadata.region EXISTS",
        "status = \"Active\"         | status = \"ACTIVE\"",
        "identity_status = \"revoked\" | identity_status = \"REVOKED\"",
        "last_seen >= now-30m       | last_seen >= now-30m",
        "registered_at < now-7d     | registered_at < now-7d",
        "registered_at < \"2025-01-01T00:00:00Z\" | registered_at < \"2025-01-01T00:00:00Z\"",
        "registered_at < 1735689600000 | registered_at < \"2025-01-01T00:00:00Z\"",
        "metadata.floor = 2         | metadata.floor = 2",
        "metadata.floor = \"2\"     | metadata.floor = \"2\"",
        "metadata.on IN (TRUE, 1.5) | metadata.on IN (true, 1.5)",
        "shadow.reported.battery.level >= 20 | shadow.reported.battery.level >= 20",
        "shadow.reported.mode = \"eco\"      | shadow.reported.mode = \"eco\"",
        "shadow.reported.ok = TRUE          | shadow.reported.ok = true",
        "shadow.reported.v IN (\"9\", 9, -9.50, false) | shadow.reported.v IN (\"9\", 9, -9.50, false)",
        "shadow.reported.a-b_c.0 EXISTS     | shadow.reported.a-b_c.0 EXISTS",
        "shadow.reported.t != 1.5           | shadow.reported.t != 1.5",
        "shadow.reported.t NOT IN (1)       | NOT shadow.reported.t IN (1)",
        "shadow.reported.1.2.3.4.5.6.7.8 < \"x\" | shadow.reported.1.2.3.4.5.6.7.8 < \"x\"",
        "site = \"01890A5D-AC96-774B-BCCE-B302099A8057\" | site = \"01890a5d-ac96-774b-bcce-b302099a8057\""})
    void everyOperatorParses(String query, String canonical) {
        assertThat(tree(query)).isEqualTo(canonical);
        assertThat(tree(canonical)).as("the rendering parses back to itself").isEqualTo(canonical);
    }

    @Test
    void prefixAndNullableFieldsCompileTwoValued() {
        DeviceCondition c = sql("firmware != \"2*\"", Dialect.SQLITE);
        assertThat(c.sql())
                .isEqualTo("NOT ((d.firmware_version IS NOT NULL AND substr(d.firmware_version, 1, ?) = ?))");
        assertThat(c.params()).containsExactly(1, "2");
        assertThat(sql("name > \"m\"", Dialect.POSTGRESQL).sql()).isEqualTo("d.name COLLATE \"C\" > ?");
        assertThat(sql("name > \"m\"", Dialect.SQLITE).sql()).isEqualTo("d.name > ?");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "type =                     | 6  | a quoted string or a number",
        "type \"x\"                 | 5  | an operator (=, !=, <, <=, >, >=, IN, NOT IN, EXISTS)",
        "(type = \"a\"              | 11 | AND, OR or ')'",
        "type = \"a\" AND           | 14 | a field, NOT or '('",
        "type = \"a\" type = \"b\"  | 11 | AND, OR or end of query",
        "type IN \"a\"              | 8  | '(' after IN",
        "type IN (\"a\" \"b\")      | 13 | ',' or ')'",
        "''                         | 0  | a field, NOT or '('",
        "\"name\" = \"x\"           | 0  | a field, NOT or '('"})
    void syntaxErrorsSayWhereAndWhatWasExpected(String query, int position, String expected) {
        ApiException e = error(query.equals("''") ? "" : query);
        assertThat(e.properties()).containsEntry("position", position).containsEntry("expected", expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "colour = \"red\"                 | 0  | a field (",
        "connected = 1                    | 12 | true or false",
        "connected = \"yes\"              | 12 | true or false",
        "connected > true                 | 10 | supports =, !=, IN and EXISTS only",
        "shadow.reported.temp > true      | 23 | true and false compare with =, !=, IN and NOT IN only",
        "shadow.reported = 1              | 0  | a shadow field is shadow.reported.PATH",
        "shadow.desired.temp = 1          | 0  | a shadow field is shadow.reported.PATH",
        "shadow EXISTS                    | 0  | a shadow field is shadow.reported.PATH",
        "shadow.reported.a..b = 1         | 18 | a shadow path segment is 1-128 of A-Z a-z 0-9 _ -",
        "shadow.reported.a. = 1           | 18 | a shadow path segment is",
        "shadow.reported.1.2.3.4.5.6.7.8.9 = 1 | 16 | a shadow path has at most 8 segments",
        "shadow.reported.temp = on        | 23 | expected a quoted string, a number, true or false",
        "shadow.reported.temp = now-1h    | 23 | expected a quoted string, a number, true or false",
        "shadow.reported.temp = \"2*\"    | 23 | does not take a prefix",
        "status = \"broken\"               | 9  | a status",
        "status > \"active\"               | 7  | supports =, !=, IN and EXISTS only",
        "last_seen > \"yesterday\"         | 12 | a time for last_seen",
        "last_seen > now-1y               | 12 | a time for last_seen",
        "name > \"a*\"                     | 7  | works only with = and !=",
        "type = active                    | 7  | values are quoted",
        "name = now-1h                    | 7  | relative times apply only to",
        "id = \"42\"                       | 5  | a quoted UUID",
        "name = \"unterminated            | 7  | is not closed",
        "name = \"bad \\n escape\"         | 13 | after a backslash",
        "metadata.a;drop = \"1\"           | 10 | unexpected character ';'",
        "metadata.= \"1\"                  | 9  | a metadata key is",
        "name ! \"x\"                      | 6  | '=' after '!'"})
    void fieldAndValueErrorsPointAtTheirToken(String query, int position, String message) {
        ApiException e = error(query);
        assertThat(e.properties()).containsEntry("position", position);
        assertThat(e.getMessage()).contains(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"name = \"x' OR '1'='1\"", "name = \"x\\\"; DROP TABLE devices; --\"",
        "metadata.region = \"') OR 1=1 --\""})
    void valuesNeverReachTheSqlText(String query) {
        for (Dialect d : Dialect.values()) {
            DeviceCondition c = sql(query, d);
            assertThat(c.sql()).doesNotContain("'", "DROP", "OR 1", "--");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"name; DROP TABLE devices", "d.name = \"x\"", "name) OR (1 = \"1\"", "name = \"a\" --",
        "name = 'x'", "metadata.a b = \"1\"", "metadata.\"k\" = \"1\""})
    void fieldNamesOutsideTheWhitelistAreRefused(String query) {
        error(query);
    }

    @ParameterizedTest
    @ValueSource(strings = {"shadow.reported.a\"b = 1", "shadow.reported.a') OR 1=1 -- = 1",
        "shadow.reported.a;DROP TABLE shadows = 1", "shadow.reported.$.x = 1", "shadow.reported.a[0] = 1",
        "shadow.reported.a b = 1", "shadow.reported.\u00fc = 1", "shadow.reported.a*b = 1", "shadow.reported.a\\b = 1",
        "shadow.reported.a/b = 1", "shadow.reported.a.'b' = 1", "shadow.reported.a.\"b\" = 1"})
    void shadowPathsOutsideTheRulesAreRefused(String query) {
        error(query);
    }

    @Test
    void aNulCharacterInAStringIsRefusedOnEveryStore() {
        assertThat(error("shadow.reported.a = \"x\u0000\"").properties()).containsEntry("position", 22);
        assertThat(error("name = \"\u0000\"").getMessage()).contains("cannot contain U+0000");
    }

    @Test
    void aShadowPathSegmentIsAtMost128Characters() {
        assertThat(tree("shadow.reported." + "k".repeat(128) + " EXISTS")).endsWith("k EXISTS");
        assertThat(error("shadow.reported.a." + "k".repeat(129) + " EXISTS").properties())
                .containsEntry("position", 18);
    }

    record ShadowCall(List<String> path, Comparison comparison, List<Object> values) {
    }

    @Test
    void shadowPredicatesReachTheShadowFeatureTypedAndNegationsStayOutside() {
        List<ShadowCall> calls = new ArrayList<>();
        DeviceShadows shadows = (tenantId, deviceId, path, comparison, values) -> {
            assertThat(deviceId).as("the device id column to correlate on").isEqualTo("d.id");
            calls.add(new ShadowCall(path, comparison, values));
            return new DeviceCondition("SHADOW(?)", List.of(tenantId.toString()));
        };
        java.util.function.Function<String, DeviceCondition> compile = q -> compile(q,
                new DeviceConditions(Dialect.POSTGRESQL, null, shadows));

        DeviceCondition ge = compile.apply("shadow.reported.fw.build >= 9.50");
        assertThat(ge.sql()).isEqualTo("(SHADOW(?))");
        assertThat(ge.params()).containsExactly(TENANT.toString());
        assertThat(calls.getLast()).isEqualTo(new ShadowCall(List.of("fw", "build"), Comparison.GE,
                List.of(new BigDecimal("9.50"))));
        assertThat(compile.apply("shadow.reported.mode != \"eco\"").sql()).isEqualTo("NOT ((SHADOW(?)))");
        assertThat(calls.getLast()).isEqualTo(new ShadowCall(List.of("mode"), Comparison.EQ, List.of("eco")));
        assertThat(compile.apply("shadow.reported.ok NOT IN (true, \"1\", 1)").sql()).isEqualTo("NOT ((SHADOW(?)))");
        assertThat(calls.getLast()).isEqualTo(new ShadowCall(List.of("ok"), Comparison.IN,
                List.of(true, "1", BigDecimal.ONE)));
        compile.apply("shadow.reported.a-b.0 EXISTS");
        assertThat(calls.getLast()).isEqualTo(new ShadowCall(List.of("a-b", "0"), Comparison.EXISTS, List.of()));
        assertThat(compile.apply("metadata.floor = 2").params())
                .as("a number tests string metadata values by its text and numbers numerically")
                .containsExactly(TENANT.toString(), "floor", "string", "2", 2.0);
        assertThatThrownBy(() -> sql("shadow.reported.x = 1", Dialect.SQLITE)).as("without shadows")
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_QUERY));
    }

    @Test
    void limitsAreEnforcedWithAPosition() {
        assertThat(error("NOT ".repeat(40) + "serial EXISTS").getMessage()).contains("nests more than 32");
        assertThat(error("name = \"" + "x".repeat(5000) + "\"").properties()).containsEntry("position", 4096);
        String many = "name IN (" + "\"a\",".repeat(1000) + "\"b\")";
        assertThat(error(many).getMessage()).contains("at most 1000 values");
    }
}
